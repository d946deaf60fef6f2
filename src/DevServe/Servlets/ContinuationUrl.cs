using System.Globalization;

namespace DevServe.Internal;

/// <summary>
/// k-urls: the continuation travels as a parameter of the last path segment, <c>/add;k=2.1.9f3c…</c> (instance,
/// id, 64-bit salt, hex). In the path, not the query, because a <c>method="get"</c> form replaces the query string.
/// Under a manager that names its node (<see cref="IManager.Node"/>) the node comes first, <c>/add;k=n1-2.1.9f3c…</c>,
/// so a load balancer can route the URL to the process that holds it (docs/scale-out.md).
/// </summary>
/// <remarks>Racket: <c>embed-ids</c> and <c>continuation-url?</c> (servlet/web.rkt), with <c>;((&quot;k&quot; . &quot;(2 1 68506997)&quot;))</c>.</remarks>
internal static class ContinuationUrl
{
    private const string Key = UrlPath.ContinuationParam;

    public static string Format(Uri requestUri, string? node, int instance, long id, ulong salt)
        // One string: the numbers are formatted into the buffer, not into strings of their own.
        => string.Create(CultureInfo.InvariantCulture, stackalloc char[256],
            $"{UrlPath.StripParams(requestUri.AbsolutePath)}{Key}{node}{(node is null ? "" : "-")}{instance:x}.{id:x}.{salt:x16}");

    /// <summary>Whether the URL carries a k parameter at all (valid or not).</summary>
    public static bool Has(Uri uri) => uri.AbsolutePath.Contains(Key, StringComparison.Ordinal);

    /// <summary>
    /// Reads a k-url of <paramref name="node"/>'s continuations (<see cref="IManager.Node"/>; <c>null</c>: a k-url that
    /// names no node). A k-url naming another node, or none where one is expected, is not one of ours: <c>false</c>.
    /// </summary>
    public static bool TryParse(Uri uri, string? node, out int instance, out long id, out ulong salt)
    {
        instance = 0;
        id = 0;
        salt = 0;
        var path = uri.AbsolutePath;
        var at = path.IndexOf(Key, StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }
        var value = path.AsSpan(at + Key.Length);
        var end = value.IndexOfAny('/', ';');
        if (end >= 0)
        {
            value = value[..end];
        }
        if (node is not null)
        {
            if (!value.StartsWith(node, StringComparison.Ordinal) || value.Length <= node.Length || value[node.Length] != '-')
            {
                return false;
            }
            value = value[(node.Length + 1)..];
        }
        Span<Range> parts = stackalloc Range[4];
        return value.Split(parts, '.') == 3
            && int.TryParse(value[parts[0]], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out instance)
            && long.TryParse(value[parts[1]], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out id)
            && value[parts[2]].Length == 16
            && ulong.TryParse(value[parts[2]], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out salt);
    }
}
