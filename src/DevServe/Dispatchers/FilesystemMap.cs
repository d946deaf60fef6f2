namespace DevServe;

/// <summary>Maps URL paths to files under a root, never outside it.</summary>
/// <remarks>
/// Racket: dispatchers/filesystem-map.rkt (<c>make-url-&gt;path</c>). Segments are decoded one by one, their
/// <c>;params</c> dropped, empty and "." segments skipped; a ".." segment, or a decoded segment holding a slash,
/// backslash or NUL, maps to nothing (Racket raises), and so does any path that would resolve outside the root.
/// </remarks>
public static class FilesystemMap
{
    /// <summary>The file or directory under <paramref name="root"/> that <paramref name="uri"/>'s path names, or <c>null</c>.</summary>
    public static string? UrlToPath(string root, Uri uri)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(uri);
        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var path = fullRoot;
        foreach (var raw in uri.AbsolutePath.Split('/'))
        {
            var semi = raw.IndexOf(';');
            var segment = Uri.UnescapeDataString(semi < 0 ? raw : raw[..semi]);
            if (segment is "" or ".")
            {
                continue;
            }
            if (segment == ".." || segment.AsSpan().IndexOfAny('/', '\\', '\0') >= 0)
            {
                return null;
            }
            path = Path.Join(path, segment);
        }
        var full = Path.GetFullPath(path);
        return full == fullRoot || full.StartsWith(fullRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }

    /// <summary>
    /// The file under <paramref name="root"/> that the longest prefix of <paramref name="uri"/>'s path names (the
    /// rest is extra path for it), or <c>null</c> when no prefix is a file.
    /// </summary>
    /// <remarks>Racket: <c>make-url-&gt;valid-path</c>.</remarks>
    public static string? UrlToValidPath(string root, Uri uri)
    {
        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        for (var path = UrlToPath(root, uri); path is not null && path.Length > fullRoot.Length; path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return path;
            }
        }
        return null;
    }
}
