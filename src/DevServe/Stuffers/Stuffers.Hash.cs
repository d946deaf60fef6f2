using System.Security.Cryptography;
using System.Text;

namespace DevServe;

public static partial class Stuffers
{
    /// <summary>Stores the value in <paramref name="store"/> under its SHA-256 and stuffs the key (Racket: <c>hash-stuffer</c>, <c>md5-stuffer</c>).</summary>
    /// <remarks>Content-addressed: out checks that what the store returns hashes to the key.</remarks>
    public static IStuffer<byte[]> Hash(IStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new Of<byte[]>(value =>
        {
            var key = Convert.ToHexStringLower(SHA256.HashData(value));
            store.Write(key, value);
            return Encoding.ASCII.GetBytes(key);
        }, (byte[] data, out byte[] value) =>
        {
            value = [];
            var key = Encoding.ASCII.GetString(data);
            if (!store.TryRead(key, out var stored) || Convert.ToHexStringLower(SHA256.HashData(stored)) != key)
            {
                return false;
            }
            value = stored;
            return true;
        }, "hash");
    }
}
