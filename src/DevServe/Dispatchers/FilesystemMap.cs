using System.Collections.Concurrent;

namespace DevServe;

/// <summary>Maps URL paths to files under a root, never outside it.</summary>
/// <remarks>
/// Racket: dispatchers/filesystem-map.rkt (<c>make-url-&gt;path</c>). Segments are decoded one by one, their
/// <c>;params</c> dropped, empty and "." segments skipped; a ".." segment, or a decoded segment holding a slash,
/// backslash or NUL, maps to nothing (Racket raises), and so does any path that would resolve outside the root.
/// Beyond Racket, by default a segment starting with "." (<c>/.env</c>, <c>/.git/config</c>) maps to nothing, and
/// so does a path through a symbolic link whose target lies outside the root (links inside the root are followed).
/// </remarks>
public static class FilesystemMap
{
    private static readonly ConcurrentDictionary<string, string> s_realRoots = new(StringComparer.Ordinal);

    /// <summary>The file or directory under <paramref name="root"/> that <paramref name="uri"/>'s path names, or <c>null</c>.</summary>
    /// <param name="root">The directory URLs map into.</param>
    /// <param name="uri">The request URI.</param>
    /// <param name="allowDotFiles">Map segments starting with "." too (hidden files such as <c>.env</c> and <c>.git/</c>).</param>
    /// <param name="allowLinksOutsideRoot">Follow symbolic links whose targets lie outside <paramref name="root"/>.</param>
    public static string? UrlToPath(string root, Uri uri, bool allowDotFiles = false, bool allowLinksOutsideRoot = false)
        => UrlToPath(root, uri, allowDotFiles, allowLinksOutsideRoot, rootIsFull: false);

    /// <summary><see cref="UrlToPath(string, Uri, bool, bool)"/>, for a root already made full (once, by a dispatcher).</summary>
    internal static string? UrlToPath(string root, Uri uri, bool allowDotFiles, bool allowLinksOutsideRoot, bool rootIsFull)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(uri);
        var fullRoot = rootIsFull ? root : Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var path = fullRoot;
        foreach (var raw in uri.AbsolutePath.Split('/'))
        {
            var semi = raw.IndexOf(';');
            var segment = Uri.UnescapeDataString(semi < 0 ? raw : raw[..semi]);
            if (segment is "" or ".")
            {
                continue;
            }
            if (segment == ".." || segment.AsSpan().IndexOfAny('/', '\\', '\0') >= 0 || (!allowDotFiles && segment[0] == '.'))
            {
                return null;
            }
            path = Path.Join(path, segment);
        }
        var full = Path.GetFullPath(path);
        if (!Under(fullRoot, full))
        {
            return null;
        }
        return allowLinksOutsideRoot || LinksStayInside(fullRoot, full) ? full : null;
    }

    /// <summary>
    /// The file under <paramref name="root"/> that the longest prefix of <paramref name="uri"/>'s path names (the
    /// rest is extra path for it), or <c>null</c> when no prefix is a file.
    /// </summary>
    /// <param name="root">The directory URLs map into.</param>
    /// <param name="uri">The request URI.</param>
    /// <param name="allowDotFiles">Map segments starting with "." too.</param>
    /// <param name="allowLinksOutsideRoot">Follow symbolic links whose targets lie outside <paramref name="root"/>.</param>
    /// <remarks>Racket: <c>make-url-&gt;valid-path</c>.</remarks>
    public static string? UrlToValidPath(string root, Uri uri, bool allowDotFiles = false, bool allowLinksOutsideRoot = false)
    {
        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        for (var path = UrlToPath(root, uri, allowDotFiles, allowLinksOutsideRoot); path is not null && path.Length > fullRoot.Length;
             path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return path;
            }
        }
        return null;
    }

    /// <summary>Whether <paramref name="full"/> (a full path under <paramref name="root"/>) reaches no link leading out of the root.</summary>
    internal static bool StaysInside(string root, string full)
    {
        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        return Under(fullRoot, full) && LinksStayInside(fullRoot, full);
    }

    private static bool Under(string root, string path)
        => path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Whether every symbolic link on the way from <paramref name="root"/> to <paramref name="full"/> resolves inside the root.</summary>
    private static bool LinksStayInside(string root, string full)
    {
        if (full.Length == root.Length)
        {
            return true;
        }
        string? realRoot = null;
        var current = root;
        foreach (var component in full[(root.Length + 1)..].Split(Path.DirectorySeparatorChar))
        {
            var next = Path.Join(current, component);
            if (new FileInfo(next).LinkTarget is null)
            {
                current = next;   // not a link (or not there: then nothing below it is either)
                continue;
            }
            realRoot ??= s_realRoots.Count < 1024 ? s_realRoots.GetOrAdd(root, r => RealPath(r) ?? r) : RealPath(root) ?? root;
            if (RealPath(next) is not { } target || !Under(realRoot, target))
            {
                return false;   // a link leading out of the root, or a broken or looping one
            }
            current = target;
        }
        return true;
    }

    /// <summary>The path with every symbolic link on it resolved (POSIX <c>realpath</c>), or <c>null</c> for a link loop.</summary>
    internal static string? RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var pending = new Stack<string>();
        void Push(string p)
        {
            var parts = p[Path.GetPathRoot(p)!.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            for (var i = parts.Length - 1; i >= 0; i--)
            {
                pending.Push(parts[i]);
            }
        }
        Push(full);
        var current = Path.GetPathRoot(full)!;
        for (var links = 0; pending.TryPop(out var component);)
        {
            var next = Path.Join(current, component);
            if (new FileInfo(next).LinkTarget is not { } target)
            {
                current = next;
                continue;
            }
            if (++links > 40)
            {
                return null;   // ELOOP, as the kernel counts
            }
            var resolved = Path.GetFullPath(target, current);
            Push(resolved);
            current = Path.GetPathRoot(resolved)!;
        }
        return Path.TrimEndingDirectorySeparator(current);
    }
}
