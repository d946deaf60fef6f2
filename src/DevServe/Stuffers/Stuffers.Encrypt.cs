using System.Security.Cryptography;

namespace DevServe;

public static partial class Stuffers
{
    private const int NonceBytes = 12, TagBytes = 16;

    /// <summary>
    /// Encrypts with AES-256-GCM under a key derived from <paramref name="key"/> (HKDF-SHA256): a fresh 12-byte nonce,
    /// the ciphertext, the 16-byte tag. Out refuses anything that does not decrypt. For stateless servlets whose locals
    /// hold what a visitor must not read in the URL.
    /// </summary>
    public static IStuffer<byte[]> Encrypt(byte[] key) => Encrypt([key]);

    /// <summary><see cref="Encrypt(byte[])"/> under the first of <paramref name="keys"/>; out decrypts under any of them (rotation).</summary>
    public static IStuffer<byte[]> Encrypt(IReadOnlyList<byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0 || keys.Any(k => k is null || k.Length < 16))
        {
            throw new ArgumentException("Give at least one key, each of at least 16 bytes.", nameof(keys));
        }
        // Derived, so one key file can both sign and encrypt without using one key for two purposes.
        var aesKeys = keys.Select(k => HKDF.DeriveKey(HashAlgorithmName.SHA256, k, 32, info: "devserve link encryption"u8.ToArray())).ToArray();
        return new Of<byte[]>(value =>
        {
            using var aes = new AesGcm(aesKeys[0], TagBytes);
            var sealedValue = new byte[NonceBytes + value.Length + TagBytes];
            var nonce = sealedValue.AsSpan(0, NonceBytes);
            RandomNumberGenerator.Fill(nonce);
            aes.Encrypt(nonce, value, sealedValue.AsSpan(NonceBytes, value.Length), sealedValue.AsSpan(NonceBytes + value.Length));
            return sealedValue;
        }, (byte[] data, out byte[] value) =>
        {
            value = [];
            if (data.Length < NonceBytes + TagBytes)
            {
                return false;
            }
            var plain = new byte[data.Length - NonceBytes - TagBytes];
            foreach (var aesKey in aesKeys)
            {
                using var aes = new AesGcm(aesKey, TagBytes);
                try
                {
                    aes.Decrypt(data.AsSpan(0, NonceBytes), data.AsSpan(NonceBytes, plain.Length), data.AsSpan(NonceBytes + plain.Length), plain);
                    value = plain;
                    return true;
                }
                catch (AuthenticationTagMismatchException)
                {
                }
            }
            return false;
        }, "AES-GCM");
    }
}
