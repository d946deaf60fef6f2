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
}
