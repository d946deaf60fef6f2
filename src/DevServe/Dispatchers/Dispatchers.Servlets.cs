using DevServe.Internal;

namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>
    /// A directory of servlets, each URL its file: <c>/servlets/add.csx/extra/path</c> runs <c>add.csx</c> under
    /// <paramref name="servletRoot"/> (the rest of the path is the servlet's to read). Each file loads once, through
    /// <paramref name="loader"/>, and keeps its own continuation manager; URLs naming no servlet file pass on.
    /// </summary>
    /// <param name="servletRoot">The directory of servlet files; no URL reaches outside it.</param>
    /// <param name="loader">Loads a servlet file (the hosting layer's script loader reloads a file when it changes).</param>
    /// <param name="cache">The loaded servlets, to clear them (<c>/conf/refresh-servlets</c>); <c>null</c> = a private cache.</param>
    /// <param name="allowDotFiles">Run servlet files under names starting with "." too.</param>
    /// <param name="allowLinksOutsideRoot">Follow symbolic links whose targets lie outside <paramref name="servletRoot"/>.</param>
    /// <remarks>Racket: <c>make</c> in dispatchers/dispatch-servlets.rkt with <c>make-url-&gt;valid-path</c>.</remarks>
    public static Dispatcher Servlets(string servletRoot, IServletLoader loader, ServletCache? cache = null, bool allowDotFiles = false,
        bool allowLinksOutsideRoot = false)
    {
        ArgumentNullException.ThrowIfNull(servletRoot);
        ArgumentNullException.ThrowIfNull(loader);
        cache ??= new ServletCache();
        return request =>
        {
            if (FilesystemMap.UrlToValidPath(servletRoot, request.Uri, allowDotFiles, allowLinksOutsideRoot) is not { } file || !loader.Accepts(file))
            {
                return NextDispatcher;
            }
            ILoadedServlet servlet;
            try
            {
                servlet = cache.Get(file, loader);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                cache.Forget(file);   // try again on the next request
                return new(ErrorPages.Status(500, $"The servlet {Path.GetFileName(file)} could not be loaded: {e.Message}"));
            }
            return servlet.Dispatch(request);
        };
    }
}
