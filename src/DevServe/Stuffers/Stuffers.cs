using System.Diagnostics.CodeAnalysis;

namespace DevServe;

/// <summary>The stuffers and their combinators (Racket: web-server/stuffers).</summary>
/// <remarks>Each factory returns a value to compose, not a class to subclass.</remarks>
public static partial class Stuffers
{
    internal delegate bool TryOutFunc<T>(byte[] data, out T value);

    /// <summary>A stuffer from its two directions.</summary>
    internal sealed class Of<T>(Func<T, byte[]> @in, TryOutFunc<T> tryOut, string name) : IStuffer<T>
    {
        public byte[] In(T value) => @in(value);

        public T Out(byte[] data) => TryOut(data, out var value) ? value : throw new FormatException($"These bytes were not made by the {name} stuffer.");

        public bool TryOut(byte[] data, [MaybeNullWhen(false)] out T value)
        {
            ArgumentNullException.ThrowIfNull(data);
            return tryOut(data, out value);
        }
    }

    /// <summary>The identity stuffer (Racket: <c>id-stuffer</c>).</summary>
    public static IStuffer<byte[]> Id { get; } = new Of<byte[]>(v => v, (byte[] d, out byte[] v) => { v = d; return true; }, "id");
}
