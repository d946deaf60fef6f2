namespace DevServe.Hosting;

/// <summary>
/// Loads <c>.csx</c> servlet files for <see cref="Dispatchers.Servlets"/> and <see cref="Server.ServeWebConfig"/>:
/// each is a <see cref="ScriptServlet"/>, so a changed file is recompiled for its next request (Racket reloads only
/// on <c>/conf/refresh-servlets</c>) and a broken one answers with the compile error page.
/// </summary>
/// <param name="options">The caches; <c>null</c> = <see cref="ServletHostOptions.Default"/>.</param>
public sealed class ScriptServletLoader(ServletHostOptions? options = null) : IServletLoader
{
    /// <inheritdoc/>
    public bool Accepts(string path) => path.EndsWith(".csx", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public ILoadedServlet Load(string path) => new ScriptServlet(path, options);
}
