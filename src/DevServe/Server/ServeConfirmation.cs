namespace DevServe;

/// <summary>What a server posts on its confirmation channel once it has tried to listen: the bound port, or the error.</summary>
/// <param name="Port">The port actually bound (the free port chosen for port 0), or <c>null</c> on error.</param>
/// <param name="Error">Why listening failed (a port in use, an unreadable certificate), or <c>null</c>.</param>
/// <remarks>Racket: the value <c>serve</c> puts on <c>#:confirmation-channel</c> (a port number or an exception).</remarks>
public sealed record ServeConfirmation(int? Port, Exception? Error);
