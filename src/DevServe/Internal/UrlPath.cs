namespace DevServe.Internal;

/// <summary>URL path helpers shared by the dispatchers.</summary>
internal static class UrlPath
{
    /// <summary>
    /// The decoded path with every segment's <c>;params</c> removed, like Racket's <c>url-path-&gt;string</c>:
    /// "/a%20b;x/c" → "/a b/c". Continuation ids travel in path parameters, so filters never see them.
    /// </summary>
    public static string Decoded(Uri uri)
    {
        var raw = uri.AbsolutePath;
        if (raw.AsSpan().IndexOfAny('%', ';') < 0)
        {
            return raw;
        }
        return Uri.UnescapeDataString(StripParams(raw));
    }

    /// <summary>The raw path with each segment's parameters removed, still percent-encoded.</summary>
    public static string StripParams(string raw)
    {
        if (!raw.Contains(';'))
        {
            return raw;
        }
        var segments = raw.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var semi = segments[i].IndexOf(';');
            if (semi >= 0)
            {
                segments[i] = segments[i][..semi];
            }
        }
        return string.Join('/', segments);
    }
}
