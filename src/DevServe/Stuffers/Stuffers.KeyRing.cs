using System.Diagnostics.CodeAnalysis;

namespace DevServe;

public static partial class Stuffers
{
    // Forged links come as fast as anyone sends them: they make the ring be read at most this often.
    private static readonly TimeSpan s_missRefresh = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The default chain (<see cref="Make(IReadOnlyList{byte[]}, IStore, bool)"/>) over the keys of
    /// <paramref name="ring"/> as they are at each use: links are signed by its newest key and accepted under any of its
    /// keys, so servers sharing the ring and the store resume each other's links, through rotations. A link that no key
    /// accepts makes the ring read again first (at most every 100 ms), in case another server has just rotated.
    /// </summary>
    public static IStuffer<byte[]> Make(KeyRing ring, IStore store, bool encrypt = false)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(store);
        return new OverRing(ring, store, encrypt);
    }

    // Rebuilds the chain when the ring's key list changes (the ring hands out the same list object until then).
    private sealed class OverRing(KeyRing ring, IStore store, bool encrypt) : IStuffer<byte[]>
    {
        private volatile Built? _built;

        public byte[] In(byte[] value) => Current().Chain.In(value);

        public byte[] Out(byte[] data) => TryOut(data, out var value) ? value : throw new FormatException("These bytes were not made by a stuffer of this key ring.");

        public bool TryOut(byte[] data, [MaybeNullWhen(false)] out byte[] value)
        {
            var tried = Current();
            return tried.Chain.TryOut(data, out value) || (ring.RefreshIfOlder(tried.Keys, s_missRefresh) && Current().Chain.TryOut(data, out value));
        }

        private Built Current()
        {
            IReadOnlyList<byte[]> keys;
            try
            {
                keys = ring.Keys;
            }
            catch (Exception e) when (e is KeyRingUnavailableException or InvalidDataException)
            {
                // Only before the ring was ever read (afterwards the last keys are kept): the servlet's 503 page.
                throw new StoreUnavailableException(e.Message, e);
            }
            if (_built is { } built && ReferenceEquals(built.Keys, keys))
            {
                return built;
            }
            return _built = new Built(keys, Make(keys, store, encrypt));
        }

        private sealed record Built(IReadOnlyList<byte[]> Keys, IStuffer<byte[]> Chain);
    }
}
