using System.Security.Cryptography;

namespace DevServe;

public static partial class Stuffers
{
    /// <summary>Signs with HMAC-SHA256, the 32-byte MAC first; out refuses any value whose MAC does not match (constant-time compare).</summary>
    /// <remarks>Racket: <c>HMAC-SHA1-stuffer</c> (20 bytes, SHA-1). Signing is not encryption: the value stays readable.</remarks>
    public static IStuffer<byte[]> Hmac(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 16)
        {
            throw new ArgumentException("An HMAC key has at least 16 bytes.", nameof(key));
        }
        var k = (byte[])key.Clone();
        return new Of<byte[]>(value => [.. HMACSHA256.HashData(k, value), .. value], (byte[] data, out byte[] value) =>
        {
            value = [];
            if (data.Length < 32)
            {
                return false;
            }
            var body = data.AsSpan(32);
            Span<byte> mac = stackalloc byte[32];
            HMACSHA256.HashData(k, body, mac);
            if (!CryptographicOperations.FixedTimeEquals(mac, data.AsSpan(0, 32)))
            {
                return false;
            }
            value = body.ToArray();
            return true;
        }, "HMAC");
    }

    /// <summary>
    /// Signs with HMAC-SHA256 under the first of <paramref name="keys"/>, and names that key with a one-byte id (before
    /// the MAC); out accepts a value signed by any of the keys. To rotate keys, put the new key first and keep the old
    /// ones until the links they signed may expire.
    /// </summary>
    public static IStuffer<byte[]> Hmac(IReadOnlyList<byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0 || keys.Any(k => k is null || k.Length < 16))
        {
            throw new ArgumentException("Give at least one key, each of at least 16 bytes.", nameof(keys));
        }
        var signers = keys.Select(k => (Id: KeyId(k), Stuffer: Hmac(k))).ToArray();
        return new Of<byte[]>(value => [signers[0].Id, .. signers[0].Stuffer.In(value)], (byte[] data, out byte[] value) =>
        {
            value = [];
            if (data.Length < 1)
            {
                return false;
            }
            foreach (var (id, stuffer) in signers)
            {
                if (id == data[0] && stuffer.TryOut(data[1..], out var body))
                {
                    value = body;
                    return true;
                }
            }
            foreach (var (_, stuffer) in signers)
            {
                if (stuffer.TryOut(data, out var body))   // signed before key ids: no id byte
                {
                    value = body;
                    return true;
                }
            }
            return false;
        }, "HMAC with key ids");
    }

    /// <summary>A key's one-byte id: the first byte of its SHA-256 (it names the key, it does not reveal it).</summary>
    private static byte KeyId(byte[] key) => SHA256.HashData(key)[0];
}
