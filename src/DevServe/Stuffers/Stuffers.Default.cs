using System.Security.Cryptography;

namespace DevServe;

public static partial class Stuffers
{
    private static readonly Lazy<IStuffer<byte[]>> s_default = new(() => Make(DefaultKey(), new DirectoryStore(DefaultStorePath)));

    /// <summary>
    /// gzip → HMAC-sign → (when the URL would pass 2048 characters: store in the hash store, sign the key) → base64,
    /// with the per-user key (<see cref="DefaultKey"/>) and <see cref="DefaultStorePath"/>.
    /// </summary>
    /// <remarks>
    /// Racket's <c>default-stuffer</c> signs nothing. Here nothing is decompressed, read from the store or
    /// deserialized before its signature checks out. Servers that share the key file and the store resume each
    /// other's URLs.
    /// </remarks>
    public static IStuffer<byte[]> Default => s_default.Value;

    /// <summary>The default chain with a given key and store.</summary>
    public static IStuffer<byte[]> Make(byte[] key, IStore store)
    {
        var sign = Hmac(key);
        return Chain(Gzip(), sign, If(IsUrlTooBig, Chain(Hash(store), sign)), Base64);
    }

    /// <summary>
    /// The signing key: 32 random bytes in a file made on first use, owner-only: <c>$DEVSERVE_STUFFER_KEY</c>, else
    /// <c>~/.config/devserve/stuffer.key</c>. Copy the file to every server that should accept the same URLs.
    /// </summary>
    public static byte[] DefaultKey()
    {
        var path = Environment.GetEnvironmentVariable("DEVSERVE_STUFFER_KEY") is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "devserve", "stuffer.key");
        if (File.Exists(path))
        {
            return File.ReadAllBytes(path) is { Length: >= 16 } key ? key
                : throw new InvalidDataException($"{path}: a stuffer key file holds at least 16 bytes.");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var fresh = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var file = new FileStream(path, options);
            file.Write(fresh);
            return fresh;
        }
        catch (IOException) when (File.Exists(path))
        {
            return File.ReadAllBytes(path);   // another server made it first: use theirs
        }
    }

    /// <summary>The default hash store's directory: <c>$DEVSERVE_URL_STORE</c>, else <c>~/.cache/devserve/urls</c> (Racket: <c>~/.urls</c>).</summary>
    public static string DefaultStorePath => Environment.GetEnvironmentVariable("DEVSERVE_URL_STORE") is { Length: > 0 } set ? set
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "devserve", "urls");
}
