using System.Text.RegularExpressions;

namespace DevServe;

public static partial class Launch
{
    /// <summary>
    /// Serves one servlet the way Racket's <c>serve/servlet</c> does: a quit page, the servlet at
    /// <paramref name="servletPath"/>, static files, a not-found page, an optional request log, then
    /// <see cref="ServeLaunchWait"/>. Completes once the server has stopped.
    /// </summary>
    /// <param name="start">The servlet.</param>
    /// <param name="commandLine">Racket's <c>#:command-line?</c>: when true, no browser, no quit page and no banner unless asked.</param>
    /// <param name="launchBrowser">Open the servlet in a browser; <c>null</c> = not <paramref name="commandLine"/>.</param>
    /// <param name="quit">Offer <c>/quit</c>; <c>null</c> = not <paramref name="commandLine"/>.</param>
    /// <param name="banner">Print the banner; <c>null</c> = not <paramref name="commandLine"/>.</param>
    /// <param name="connectionClose">Close every connection after one request.</param>
    /// <param name="listenIp">The address to bind (Racket: 127.0.0.1); <c>null</c> = every address.</param>
    /// <param name="port">The port (Racket: 8000); 0 = a free one.</param>
    /// <param name="maxWaiting">The listen backlog (Racket: 511); ignored when <paramref name="safetyLimits"/> is given.</param>
    /// <param name="safetyLimits">The server's limits.</param>
    /// <param name="manager">The continuation manager; <c>null</c> = <see cref="ThresholdLruManager"/> with 128 MiB, Racket's serve/servlet default.</param>
    /// <param name="stateless">Serve the servlet statelessly: continuations in the URLs.</param>
    /// <param name="stuffer">The stateless servlet's stuffer; <c>null</c> = <see cref="Stuffers.Default"/>.</param>
    /// <param name="servletPath">Where the servlet lives and what the browser opens (Racket: <c>/servlets/standalone.rkt</c>).</param>
    /// <param name="servletRegexp">Which paths go to the servlet; <c>null</c> = exactly <paramref name="servletPath"/>.</param>
    /// <param name="extraFilesPaths">Directories of static files served after the servlet.</param>
    /// <param name="servletCurrentDirectory">What <see cref="Web.CurrentDirectory"/> returns in the servlet.</param>
    /// <param name="fileNotFoundResponder">The answer when nothing else answers; <c>null</c> = a 404 page.</param>
    /// <param name="servletResponder">The page for an exception escaping the servlet; <c>null</c> = 500 with the trace.</param>
    /// <param name="sslCert">A PEM certificate: HTTPS with <paramref name="sslKey"/>.</param>
    /// <param name="sslKey">The PEM private key.</param>
    /// <param name="logFile">A request log file (Racket's <c>#:log-file</c>), or <c>null</c>.</param>
    /// <param name="logFormat">The log's line format (Racket: <c>apache-default</c>).</param>
    /// <param name="output">Where the banner goes; <c>null</c> = standard output.</param>
    /// <param name="cancellationToken">Stops the server like the quit page does.</param>
    /// <param name="trustedHosts">Bound to loopback, more <c>Host</c> names to answer than this machine's (DNS rebinding: see <see cref="Dispatchers.LoopbackHosts"/>).</param>
    /// <returns>A task that completes once the server has stopped.</returns>
    /// <remarks>Racket: <c>serve/servlet</c> in servlet-env.rkt. Servlets from disk (<c>#:servlets-root</c>) come with <c>ServeWebConfig</c>.</remarks>
    public static async Task ServeServlet(Func<Request, Task<Response>> start, bool commandLine = false, bool? launchBrowser = null,
        bool? quit = null, bool? banner = null, bool connectionClose = false, string? listenIp = "127.0.0.1", int port = 8000,
        int maxWaiting = 511, SafetyLimits? safetyLimits = null, IManager? manager = null, bool stateless = false, IStuffer<byte[]>? stuffer = null,
        string servletPath = "/servlets/standalone.rkt", Regex? servletRegexp = null, IReadOnlyList<string>? extraFilesPaths = null,
        string? servletCurrentDirectory = null, Func<Request, Response>? fileNotFoundResponder = null,
        Func<Request, Exception, Response>? servletResponder = null, string? sslCert = null, string? sslKey = null,
        string? logFile = null, LogFormat logFormat = LogFormat.ApacheDefault, TextWriter? output = null,
        IEnumerable<string>? trustedHosts = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(servletPath);
        var regexp = servletRegexp ?? new Regex("^" + Regex.Escape(servletPath) + "$", RegexOptions.CultureInvariant);
        var site = new ServletSite(Servlets.DispatchServlet(start, regexp, stateless, stuffer,
            manager ?? (stateless ? null : new ThresholdLruManager(128L * 1024 * 1024)), servletCurrentDirectory, servletResponder))
        {
            Quit = quit ?? !commandLine,
            FilesAfter = extraFilesPaths ?? [],
            NotFound = fileNotFoundResponder ?? (_ => Internal.ErrorPages.Status(404, "File not found.")),
            LogFile = logFile,
            LogFormat = logFormat,
        };
        await site.ServeAsync(makeDispatcher => ServeLaunchWait(makeDispatcher, connectionClose, launchBrowser ?? !commandLine ? servletPath : null,
            banner ?? !commandLine, listenIp, port, sslCert, sslKey, safetyLimits ?? SafetyLimits.Make(maxWaiting), output,
            cancellationToken: cancellationToken, trustedHosts: trustedHosts)).ConfigureAwait(false);
    }

    /// <inheritdoc cref="ServeServlet(Func{Request, Task{Response}}, bool, bool?, bool?, bool?, bool, string?, int, int, SafetyLimits?, IManager?, bool, IStuffer{byte[]}?, string, Regex?, IReadOnlyList{string}?, string?, Func{Request, Response}?, Func{Request, Exception, Response}?, string?, string?, string?, LogFormat, TextWriter?, IEnumerable{string}?, CancellationToken)"/>
    public static Task ServeServlet(Func<Request, Response> start, bool commandLine = false, bool? launchBrowser = null,
        bool? quit = null, bool? banner = null, bool connectionClose = false, string? listenIp = "127.0.0.1", int port = 8000,
        int maxWaiting = 511, SafetyLimits? safetyLimits = null, IManager? manager = null, bool stateless = false, IStuffer<byte[]>? stuffer = null,
        string servletPath = "/servlets/standalone.rkt", Regex? servletRegexp = null, IReadOnlyList<string>? extraFilesPaths = null,
        string? servletCurrentDirectory = null, Func<Request, Response>? fileNotFoundResponder = null,
        Func<Request, Exception, Response>? servletResponder = null, string? sslCert = null, string? sslKey = null,
        string? logFile = null, LogFormat logFormat = LogFormat.ApacheDefault, TextWriter? output = null,
        IEnumerable<string>? trustedHosts = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        return ServeServlet(r => Task.FromResult(start(r)), commandLine, launchBrowser, quit, banner, connectionClose, listenIp,
            port, maxWaiting, safetyLimits, manager, stateless, stuffer, servletPath, servletRegexp, extraFilesPaths, servletCurrentDirectory,
            fileNotFoundResponder, servletResponder, sslCert, sslKey, logFile, logFormat, output, trustedHosts, cancellationToken);
    }
}
