using System.Diagnostics.CodeAnalysis;

namespace DevServe;

/// <summary>Where <see cref="Stuffers.Hash"/> keeps values too big for a URL; shared by every server that resumes them.</summary>
/// <remarks>Racket: <c>store</c> (stuffers/store.rkt).</remarks>
public interface IStore
{
    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> (a lower-case hex hash).</summary>
    void Write(string key, byte[] value);

    /// <summary>Reads the value under <paramref name="key"/>; <c>false</c> when there is none.</summary>
    bool TryRead(string key, [MaybeNullWhen(false)] out byte[] value);
}
