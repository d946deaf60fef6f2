namespace DevServe.Internal;

/// <summary>URL path helpers shared by the dispatchers.</summary>
internal static class UrlPath
{
    /// <summary>
    /// The path every dispatcher decides on: decoded, every segment's <c>;params</c> removed (Racket's
    /// <c>url-path-&gt;string</c>), and empty and "." segments dropped the way <see cref="FilesystemMap"/> drops them,
    /// so "//secret/", "/.//secret/" and "/secret/" are one path for a password realm, a filter and the files they guard.
    /// A trailing slash is kept: "/a%20b;x//c/" → "/a b/c/".
    /// </summary>
    public static string Decoded(Uri uri)
    {
        var raw = uri.AbsolutePath;
        // System.Uri has already resolved unencoded dot segments; what is left to normalize needs one of these.
        if (raw.AsSpan().IndexOfAny('%', ';') < 0 && !raw.Contains("//", StringComparison.Ordinal))
        {
            return raw;
        }
        var kept = new List<string>();
        var trailingSlash = false;
        foreach (var part in raw.Split('/'))
        {
            var semi = part.IndexOf(';');
            var segment = Uri.UnescapeDataString(semi < 0 ? part : part[..semi]);
            trailingSlash = segment is "" or ".";
            if (trailingSlash)
            {
                continue;
            }
            if (segment == "..")
            {
                // Only an encoded ".." gets here (System.Uri resolves the rest); FilesystemMap refuses it, and a realm sees it resolved.
                if (kept.Count > 0)
                {
                    kept.RemoveAt(kept.Count - 1);
                }
                trailingSlash = true;
                continue;
            }
            kept.Add(segment);
        }
        return kept.Count == 0 ? "/" : "/" + string.Join('/', kept) + (trailingSlash ? "/" : "");
    }

    /// <summary>
    /// The raw path with empty segments dropped, still percent-encoded and with its parameters: a path to send back
    /// in a <c>Location</c> that can never start with "//" (a protocol-relative URL naming another host).
    /// </summary>
    public static string WithoutEmptySegments(string raw)
    {
        if (!raw.Contains("//", StringComparison.Ordinal))
        {
            return raw;
        }
        var segments = raw.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return "/" + string.Join('/', segments) + (raw.EndsWith('/') && segments.Length > 0 ? "/" : "");
    }

    /// <summary>The path parameter of a k-url (<c>ContinuationUrl</c>).</summary>
    public const string ContinuationParam = ";k=";

    /// <summary>The path parameter of a stateless servlet's continuation (<c>StatelessUrl</c>).</summary>
    public const string StatelessParam = ";c=";

    /// <summary>Whether the path carries a continuation of either kind: such a URL belongs to a servlet, never to the file server.</summary>
    public static bool CarriesContinuation(Uri uri)
        => uri.AbsolutePath.Contains(ContinuationParam, StringComparison.Ordinal) || uri.AbsolutePath.Contains(StatelessParam, StringComparison.Ordinal);

    /// <summary>
    /// The raw path with each segment's parameters removed, still percent-encoded, and never starting with "//":
    /// <c>/;k=1.1.x/</c> gives <c>/</c> (a link or a "start over" to <c>//</c> would name another host).
    /// </summary>
    public static string StripParams(string raw)
    {
        if (!raw.Contains(';'))
        {
            return WithoutEmptySegments(raw);
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
        return WithoutEmptySegments(string.Join('/', segments));
    }
}
