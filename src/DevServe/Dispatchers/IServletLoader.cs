namespace DevServe;

/// <summary>
/// Turns servlet files into servlets for <see cref="Dispatchers.Servlets"/>. The core knows no compiler: the hosting
/// layer implements this for <c>.csx</c> scripts (layers point down).
/// </summary>
public interface IServletLoader
{
    /// <summary>Whether <paramref name="path"/> is a servlet file this loader loads (by its extension).</summary>
    bool Accepts(string path);

    /// <summary>Loads the servlet in <paramref name="path"/>. Called once per file until the cache is cleared; a file that does not compile still loads (as its error page).</summary>
    ILoadedServlet Load(string path);
}

/// <summary>A servlet loaded from a file: it answers requests until it is disposed.</summary>
public interface ILoadedServlet : IAsyncDisposable
{
    /// <summary>Answers a request for the servlet.</summary>
    ValueTask<Response?> Dispatch(Request request);
}
