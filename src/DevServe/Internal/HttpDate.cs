namespace DevServe.Internal;

/// <summary>Formats HTTP dates (RFC 1123), reusing the string while the second does not change.</summary>
internal static class HttpDate
{
    private sealed record Cached(long Seconds, string Text);

    private static Cached s_last = new(0, "");

    public static string Format(DateTimeOffset time)
    {
        var seconds = time.ToUnixTimeSeconds();
        var last = s_last;
        if (last.Seconds == seconds)
        {
            return last.Text;
        }
        var text = time.ToUniversalTime().ToString("R");
        s_last = new Cached(seconds, text);
        return text;
    }
}
