using System.Security.Cryptography;
using System.Text;

namespace DevServe;

public static partial class Stuffers
{
    // Set while a stateless servlet makes links for a request that came in without one (see WithoutStore).
    [ThreadStatic]
    private static bool t_storeRefused;

    /// <summary>Stores the value in <paramref name="store"/> under its SHA-256 and stuffs the key (Racket: <c>hash-stuffer</c>, <c>md5-stuffer</c>).</summary>
    /// <remarks>Content-addressed: out checks that what the store returns hashes to the key.</remarks>
    public static IStuffer<byte[]> Hash(IStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new Of<byte[]>(value =>
        {
            if (t_storeRefused)
            {
                throw new StoreRefusedException(value.Length);
            }
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

    /// <summary>
    /// Runs <paramref name="stuff"/> with every <see cref="Hash"/> stuffer refusing to write (it throws
    /// <see cref="StoreRefusedException"/>): an anonymous request must not be able to fill the store.
    /// </summary>
    internal static T WithoutStore<T>(Func<T> stuff)
    {
        var was = t_storeRefused;
        t_storeRefused = true;
        try
        {
            return stuff();
        }
        finally
        {
            t_storeRefused = was;
        }
    }
}

/// <summary>A hash stuffer was asked to store a value while storing was refused (<see cref="Stuffers.WithoutStore"/>).</summary>
internal sealed class StoreRefusedException(int bytes) : Exception($"A value of {bytes} bytes would have to be stored to make this link.")
{
    public int Bytes { get; } = bytes;
}
