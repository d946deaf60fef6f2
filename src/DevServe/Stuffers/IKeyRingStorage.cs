namespace DevServe;

/// <summary>
/// Where a <see cref="KeyRing"/> keeps its document (a small JSON text), shared by every server that signs and checks
/// the same links: a file (<see cref="KeyRing.File"/>), or Redis (DevServe.Redis).
/// </summary>
public interface IKeyRingStorage
{
    /// <summary>Where the ring is, for messages (a path, a Redis URL and key).</summary>
    string Name { get; }

    /// <summary>The document, or <c>null</c> when there is none yet.</summary>
    /// <exception cref="KeyRingUnavailableException">The storage cannot be reached.</exception>
    string? Read();

    /// <summary>
    /// Replaces the document with <paramref name="updated"/> if it is still <paramref name="expected"/> (<c>null</c>:
    /// there is none yet); <c>false</c> when another server changed it first.
    /// </summary>
    /// <exception cref="KeyRingUnavailableException">The storage cannot be reached.</exception>
    bool TryReplace(string? expected, string updated);
}

/// <summary>A key ring's storage cannot be read or written (a file that cannot be opened, Redis down).</summary>
public sealed class KeyRingUnavailableException : IOException
{
    /// <summary>An exception with a message.</summary>
    public KeyRingUnavailableException(string message) : base(message) { }

    /// <summary>An exception with a message and its cause.</summary>
    public KeyRingUnavailableException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>An exception with no message.</summary>
    public KeyRingUnavailableException() { }
}
