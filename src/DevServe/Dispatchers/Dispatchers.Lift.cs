namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>Answers every request with <paramref name="procedure"/>'s response.</summary>
    /// <remarks>Racket: <c>make</c> in dispatchers/dispatch-lift.rkt.</remarks>
    public static Dispatcher Lift(Func<Request, Response> procedure)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        return request => new ValueTask<Response?>(procedure(request));
    }

    /// <summary>Answers every request with <paramref name="procedure"/>'s response, produced asynchronously.</summary>
    public static Dispatcher Lift(Func<Request, Task<Response>> procedure)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        return async request => await procedure(request).ConfigureAwait(false);
    }
}
