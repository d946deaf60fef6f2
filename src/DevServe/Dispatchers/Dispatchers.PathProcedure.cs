namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>Answers requests whose decoded path is exactly <paramref name="path"/> with <paramref name="procedure"/>.</summary>
    /// <remarks>Racket: <c>make</c> in dispatchers/dispatch-pathprocedure.rkt.</remarks>
    public static Dispatcher PathProcedure(string path, Func<Request, Response> procedure)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(procedure);
        return request => request.Path == path ? new ValueTask<Response?>(procedure(request)) : NextDispatcher;
    }
}
