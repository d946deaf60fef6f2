using System.Buffers;

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
        return Normalize(raw);
    }

    // Decoded's work, into one buffer rather than a string per segment: each segment without its parameters and
    // percent-decoded; empty and "." segments dropped, ".." taking back the segment before it.
    private static string Normalize(string raw)
    {
        var chars = ArrayPool<char>.Shared.Rent(raw.Length + 1);   // decoding only shortens; one more for a trailing slash
        var starts = ArrayPool<int>.Shared.Rent(raw.Length + 1);   // where each kept segment begins (its slash)
        try
        {
            var buffer = chars.AsSpan();
            var length = 0;
            var kept = 0;
            var trailingSlash = false;
            foreach (var range in raw.AsSpan().Split('/'))
            {
                var part = WithoutParams(raw.AsSpan(range));
                var at = length + 1;
                int written;
                if (part.Contains('%'))
                {
                    if (!Uri.TryUnescapeDataString(part, buffer[at..], out written))
                    {
                        throw new InvalidOperationException("unreachable: decoding never lengthens a segment");
                    }
                }
                else
                {
                    part.CopyTo(buffer[at..]);
                    written = part.Length;
                }
                var segment = buffer.Slice(at, written);
                trailingSlash = segment is "" or ".";
                if (trailingSlash)
                {
                    continue;
                }
                if (segment is "..")
                {
                    // Only an encoded ".." gets here (System.Uri resolves the rest); FilesystemMap refuses it, and a realm sees it resolved.
                    if (kept > 0)
                    {
                        length = starts[--kept];
                    }
                    trailingSlash = true;
                    continue;
                }
                buffer[length] = '/';
                starts[kept++] = length;
                length = at + written;
            }
            if (kept == 0)
            {
                return "/";
            }
            if (trailingSlash)
            {
                buffer[length++] = '/';
            }
            return new string(buffer[..length]);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<int>.Shared.Return(starts);
        }
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
    /// <param name="raw">An absolute path (<see cref="Uri.AbsolutePath"/>): it starts with "/".</param>
    public static string StripParams(string raw)
    {
        if (!raw.Contains(';'))
        {
            return WithoutEmptySegments(raw);
        }
        // The same as joining the segments cut at ';' and dropping the empty ones, in one buffer.
        Span<char> buffer = raw.Length <= 256 ? stackalloc char[raw.Length + 1] : new char[raw.Length + 1];
        var length = 0;
        var lastEmpty = false;
        foreach (var range in raw.AsSpan().Split('/'))
        {
            var part = WithoutParams(raw.AsSpan(range));
            lastEmpty = part.IsEmpty;
            if (!lastEmpty)
            {
                buffer[length++] = '/';
                part.CopyTo(buffer[length..]);
                length += part.Length;
            }
        }
        if (length == 0)
        {
            return "/";
        }
        if (lastEmpty)
        {
            buffer[length++] = '/';
        }
        return new string(buffer[..length]);
    }

    // One segment up to its parameters: "a;x=1" → "a".
    private static ReadOnlySpan<char> WithoutParams(ReadOnlySpan<char> segment)
        => segment.IndexOf(';') is var semi and >= 0 ? segment[..semi] : segment;
}
