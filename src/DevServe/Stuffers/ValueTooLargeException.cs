namespace DevServe;

/// <summary>
/// An <see cref="IStore"/> will not keep a value this large. A stateless servlet answers the request whose link
/// would need it with a 413 page; nothing is stored.
/// </summary>
public sealed class ValueTooLargeException : ArgumentException
{
    /// <summary>An exception with a message.</summary>
    public ValueTooLargeException(string message) : base(message, "value") { }

    /// <summary>An exception with a message and its cause.</summary>
    public ValueTooLargeException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>An exception with no message.</summary>
    public ValueTooLargeException() { }
}
