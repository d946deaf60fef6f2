namespace DevServe;

/// <summary>Content types from an Apache <c>mime.types</c> file: lines of <c>type/subtype ext ext …</c>, <c>#</c> comments.</summary>
/// <remarks>Racket: <c>read-mime-types</c> and <c>make-path-&gt;mime-type</c> (private/mime-types.rkt).</remarks>
public static class MimeTypes
{
    /// <summary>
    /// A path-to-type function for <see cref="Dispatchers.Files"/> from the file at <paramref name="path"/>; extensions
    /// it does not list (or a missing file) fall back to <see cref="Dispatchers.DefaultPathToMime"/>.
    /// </summary>
    public static Func<string, string?> Load(string path)
    {
        var types = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                var fields = line.Split('#', 2)[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                foreach (var extension in fields.Skip(1))
                {
                    types[extension] = fields[0];
                }
            }
        }
        return file => types.TryGetValue(Path.GetExtension(file).TrimStart('.'), out var type) ? type : Dispatchers.DefaultPathToMime(file);
    }
}
