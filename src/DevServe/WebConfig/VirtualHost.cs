namespace DevServe;

/// <summary>A virtual host: requests whose <c>Host</c> (any case, an optional port) matches <see cref="Name"/> get its table.</summary>
/// <param name="Name">A regular expression for the host name, matched whole (Racket matches it anywhere; see README).</param>
/// <param name="Host">Its host table.</param>
public sealed record VirtualHost(string Name, HostTable Host);
