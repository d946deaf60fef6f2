namespace DevServe;

/// <summary>
/// An <see cref="IStore"/> cannot be reached (Redis down or out of memory). A stateless servlet answers the request that
/// needed it with a 503 page saying so and serves every other page as usual.
/// </summary>
public sealed class StoreUnavailableException : IOException
{
    /// <summary>An exception with a message.</summary>
    public StoreUnavailableException(string message) : base(message) { }

    /// <summary>An exception with a message and its cause.</summary>
    public StoreUnavailableException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>An exception with no message.</summary>
    public StoreUnavailableException() { }
}
