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
    public static IStuffer<byte[]> Make(byte[] key, IStore store) => Make([key], store);

    /// <summary>
    /// The default chain, signed under the first of <paramref name="keys"/> and accepting any of them (rotation:
    /// <see cref="Hmac(IReadOnlyList{byte[]})"/>); with <paramref name="encrypt"/>, encrypted too (AES-GCM under the
    /// first key, <see cref="Encrypt(IReadOnlyList{byte[]})"/>, and then not compressed), so the URL cannot be read.
    /// </summary>
    public static IStuffer<byte[]> Make(IReadOnlyList<byte[]> keys, IStore store, bool encrypt = false)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var sign = Hmac(keys);
        // Encrypted links are not compressed: beside a visitor's own input, a compressed secret shows in the length.
        var first = encrypt ? Encrypt(keys) : Gzip();
        return Chain(first, sign, If(IsUrlTooBig, Chain(Hash(store), sign)), Base64);
    }

    /// <summary>
    /// The signing key: 32 random bytes in a file made on first use, owner-only: <paramref name="keyFile"/>, else
    /// <see cref="DefaultKeyFile"/>. Copy the file to every server that should accept the same URLs.
    /// </summary>
    /// <param name="keyFile">The key file (<c>devserve</c> passes <c>$DEVSERVE_STUFFER_KEY</c>); <c>null</c> = <see cref="DefaultKeyFile"/>.</param>
    /// <exception cref="InvalidDataException">The file holds fewer than 16 bytes.</exception>
    public static byte[] DefaultKey(string? keyFile = null)
    {
        var path = keyFile ?? DefaultKeyFile;
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

    /// <summary><c>~/.config/devserve/stuffer.key</c>.</summary>
    public static string DefaultKeyFile =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "devserve", "stuffer.key");

    /// <summary>The default hash store's directory: <c>~/.cache/devserve/urls</c> (Racket: <c>~/.urls</c>; <c>devserve</c> takes <c>$DEVSERVE_URL_STORE</c>).</summary>
    public static string DefaultStorePath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "devserve", "urls");
}
