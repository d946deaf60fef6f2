namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>Hands the request to <paramref name="inner"/> when its method is one of <paramref name="methods"/> (any case).</summary>
    /// <remarks>Racket: <c>make</c> in dispatchers/dispatch-method.rkt.</remarks>
    public static Dispatcher Method(IEnumerable<string> methods, Dispatcher inner)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(inner);
        var set = new HashSet<string>(methods, StringComparer.OrdinalIgnoreCase);
        return request => set.Contains(request.Method) ? inner(request) : NextDispatcher;
    }

    /// <summary>Hands the request to <paramref name="inner"/> when its method is <paramref name="method"/> (any case).</summary>
    public static Dispatcher Method(string method, Dispatcher inner) => Method([method], inner);
}
