using System.Diagnostics.CodeAnalysis;

namespace DevServe;

/// <summary>A store of one file per key in a directory (created on first write, owner-only on Unix).</summary>
/// <remarks>Racket: <c>dir-store</c>. Keys are checked to be hex, so no key names a path outside the directory.</remarks>
public sealed class DirectoryStore(string root) : IStore
{
    /// <summary>The directory.</summary>
    public string Root { get; } = Path.GetFullPath(root ?? throw new ArgumentNullException(nameof(root)));

    /// <inheritdoc/>
    public void Write(string key, byte[] value)
    {
        if (!IsKey(key))
        {
            throw new ArgumentException("A store key is a lower-case hex hash.", nameof(key));
        }
        if (!Directory.Exists(Root))
        {
            var created = Directory.CreateDirectory(Root);
            if (!OperatingSystem.IsWindows())
            {
                created.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            }
        }
        var temp = Path.Combine(Root, key + "." + Environment.ProcessId + ".tmp");
        File.WriteAllBytes(temp, value);
        File.Move(temp, Path.Combine(Root, key), overwrite: true);
    }

    /// <inheritdoc/>
    public bool TryRead(string key, [MaybeNullWhen(false)] out byte[] value)
    {
        value = null;
        if (!IsKey(key))
        {
            return false;
        }
        try
        {
            value = File.ReadAllBytes(Path.Combine(Root, key));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsKey(string key) => key is { Length: > 0 and <= 128 } && key.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
