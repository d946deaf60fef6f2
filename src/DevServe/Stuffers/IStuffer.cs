using System.Diagnostics.CodeAnalysis;

namespace DevServe;

/// <summary>A reversible transformation of values into bytes and back, composed into URL-borne continuations.</summary>
/// <remarks>
/// Racket: <c>stuffer</c> (stuffers/stuffer.rkt), law <c>Out(In(v)) == v</c>. A stuffed URL is attacker input, so
/// <see cref="TryOut"/> refuses what does not check out without throwing; <see cref="Out"/> throws <see cref="FormatException"/>.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords",
    Justification = "Racket's stuffer is a pair of in and out functions; In and Out are the names every stuffer keeps.")]
public interface IStuffer<T>
{
    /// <summary>Turns a value into bytes.</summary>
    byte[] In(T value);

    /// <summary>Turns bytes made by <see cref="In"/> back into the value; throws <see cref="FormatException"/> on anything else.</summary>
    T Out(byte[] data);

    /// <summary>Turns bytes back into the value; <c>false</c> for bytes this stuffer did not make (tampered, truncated, foreign).</summary>
    bool TryOut(byte[] data, [MaybeNullWhen(false)] out T value);
}
