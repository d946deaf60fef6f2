using System.Diagnostics.CodeAnalysis;

namespace DevServe;

public static partial class Stuffers
{
    /// <summary>
    /// The default chain (<see cref="Make(IReadOnlyList{byte[]}, IStore, bool)"/>) over the keys of
    /// <paramref name="ring"/> as they are now: links are signed by its newest key and accepted under any of its keys,
    /// so servers sharing the ring and the store resume each other's links, through rotations.
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

        public byte[] In(byte[] value) => Chain().In(value);

        public byte[] Out(byte[] data) => Chain().Out(data);

        public bool TryOut(byte[] data, [MaybeNullWhen(false)] out byte[] value) => Chain().TryOut(data, out value);

        private IStuffer<byte[]> Chain()
        {
            var keys = ring.Keys;
            if (_built is { } built && ReferenceEquals(built.Keys, keys))
            {
                return built.Chain;
            }
            var chain = Make(keys, store, encrypt);
            _built = new Built(keys, chain);
            return chain;
        }

        private sealed record Built(IReadOnlyList<byte[]> Keys, IStuffer<byte[]> Chain);
    }
}
