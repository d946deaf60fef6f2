using System.Threading.Channels;
using DevServe.Internal;
using Microsoft.Extensions.Logging;

namespace DevServe;

public static partial class Server
{
    /// <summary>
    /// Serves a whole site from its configuration: each host (virtual hosts by <c>Host</c>, else the default) gets
    /// Racket's chain — request log, password realms, <c>/conf/refresh-passwords</c>, <c>/conf/collect-garbage</c>,
    /// <c>/conf/refresh-servlets</c>, the servlets directory, static files, the not-found page. Returns the stop action,
    /// like <see cref="Serve"/>.
    /// </summary>
    /// <param name="config">The site.</param>
    /// <param name="tls">Serve HTTPS with this certificate.</param>
    /// <param name="servletLoader">Loads servlet files (DevServe.Hosting's <c>ScriptServletLoader</c> for <c>.csx</c>); <c>null</c> = no servlets.</param>
    /// <param name="confirmationChannel">Receives the bound port (or the error) once the server listens.</param>
    /// <param name="loggerFactory">The server's logging; <c>null</c> = standard error.</param>
    /// <remarks>
    /// Racket: <c>serve/web-config@</c> with web-server-unit.rkt's dispatcher. The composition lives with the
    /// configuration (WebConfig/), above the server, which knows nothing of sites.
    /// </remarks>
    public static Action ServeWebConfig(WebConfig config, Tls? tls = null, IServletLoader? servletLoader = null,
        ChannelWriter<ServeConfirmation>? confirmationChannel = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(config);
#pragma warning disable CA2000 // disposed by the stop action below, which the analyzer cannot follow
        var site = new WebServerUnit(config, servletLoader);
#pragma warning restore CA2000
        var limits = SafetyLimits.Make(config.MaxWaiting, TimeSpan.FromSeconds(config.InitialConnectionTimeout));
        var stop = Serve(site.Dispatch, confirmationChannel, tls: tls, port: config.Port, listenIp: config.ListenIp,
            maxWaiting: config.MaxWaiting, safetyLimits: limits, loggerFactory: loggerFactory);
        return () =>
        {
            stop();
            site.DisposeAsync().AsTask().GetAwaiter().GetResult();   // this action blocks by contract, as Serve's does
        };
    }
}
