namespace DevServe;

/// <summary>Small dispatchers that compose into a server (Racket: web-server/dispatchers/*).</summary>
/// <remarks>
/// Each factory checks its arguments once and returns a <see cref="Dispatcher"/>. Passing a request on returns a
/// completed <c>null</c>, never throws: in .NET a throw per missed filter would cost a stack trace per request.
/// </remarks>
public static partial class Dispatchers
{
    /// <summary>The answer of a dispatcher that passes the request on (Racket: <c>next-dispatcher</c>).</summary>
    public static ValueTask<Response?> NextDispatcher => default;
}
