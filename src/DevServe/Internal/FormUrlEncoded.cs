namespace DevServe.Internal;

/// <summary>Parses <c>application/x-www-form-urlencoded</c> text, keeping order and duplicates.</summary>
/// <remarks>Like Racket's <c>form-urlencoded-&gt;alist</c>: pairs split on '&amp;' or ';', '+' is a space.</remarks>
internal static class FormUrlEncoded
{
    public static void Parse(string text, List<Binding> into)
    {
        foreach (var range in text.AsSpan().SplitAny('&', ';'))
        {
            var pair = text.AsSpan(range);
            if (pair.IsEmpty)
            {
                continue;
            }
            var eq = pair.IndexOf('=');
            var name = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? [] : pair[(eq + 1)..];
            into.Add(new Binding(Decode(name), Decode(value)));
        }
    }

    public static string Decode(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
        {
            return "";
        }
        var text = s.ToString();
        return s.IndexOfAny('+', '%') < 0 ? text : Uri.UnescapeDataString(text.Replace('+', ' '));
    }
}
