using System.CommandLine;
using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary><c>devserve run FILE</c>: serve a script servlet, reload it on every save, quit from the page.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The servlet script (.csx) that defines Start." };
        var port = new Option<int>("--port", "-p") { Description = "The port (0 = a free port).", DefaultValueFactory = _ => 8000 };
        var listenIp = new Option<string>("--listen-ip") { Description = "The address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var noBrowser = new Option<bool>("--no-browser") { Description = "Do not open a browser." };
        var launchPath = new Option<string>("--launch-path") { Description = "The path the browser opens.", DefaultValueFactory = _ => "/" };
        var htdocs = new Option<DirectoryInfo[]>("--htdocs") { Description = "Directories of static files served before the servlet (default: htdocs/ beside the script)." };
        var noQuit = new Option<bool>("--no-quit") { Description = "No /quit page." };
        var noBanner = new Option<bool>("--no-banner") { Description = "Print no banner." };
        var servletPath = new Option<string>("--servlet-path") { Description = "Serve the servlet at this path only (default: every path)." };
        var servletRegexp = new Option<string>("--servlet-regexp") { Description = "Serve the servlet at the paths this regular expression matches." };
        var logFile = new Option<FileInfo>("--log-file") { Description = "Append a request log to this file." };
        var logFormat = new Option<string>("--log-format") { Description = "apache-default (default), combined, parenthesized or extended.", DefaultValueFactory = _ => "apache-default" };
        logFormat.AcceptOnlyFromAmong("apache-default", "combined", "parenthesized", "extended");
        var stateless = new Option<bool>("--stateless") { Description = "Keep no conversation on the server: continuations travel in signed URLs." };
        var noCache = new Option<bool>("--no-cache") { Description = "Always compile (do not use the compiled-script cache)." };
        var sslCert = new Option<FileInfo>("--ssl-cert") { Description = "A PEM certificate: serve HTTPS (with --ssl-key)." };
        var sslKey = new Option<FileInfo>("--ssl-key") { Description = "The PEM private key of --ssl-cert." };
        var command = new Command("run", "Serve a script servlet at / and reload it whenever it is saved.")
        {
            file, port, listenIp, noBrowser, launchPath, htdocs, noQuit, noBanner, noCache, sslCert, sslKey,
            servletPath, servletRegexp, logFile, logFormat, stateless,
        };
        port.Validators.Add(r =>
        {
            if (r.GetValue(port) is < 0 or > 65535)
            {
                r.AddError("--port must be between 0 and 65535.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var script = parse.GetValue(file)!;
            if (!script.Exists)
            {
                await Console.Error.WriteLineAsync($"devserve: {script.FullName}: no such file.");
                return 2;
            }
            var cert = parse.GetValue(sslCert);
            var key = parse.GetValue(sslKey);
            if ((cert is null) != (key is null))
            {
                await Console.Error.WriteLineAsync("devserve: --ssl-cert and --ssl-key go together.");
                return 2;
            }
            if (parse.GetValue(servletPath) is not null && parse.GetValue(servletRegexp) is not null)
            {
                await Console.Error.WriteLineAsync("devserve: give --servlet-path or --servlet-regexp, not both.");
                return 2;
            }
            System.Text.RegularExpressions.Regex? only;
            try
            {
                only = parse.GetValue(servletPath) is { } p ? new("^" + System.Text.RegularExpressions.Regex.Escape(p) + "$")
                    : parse.GetValue(servletRegexp) is { } r ? new(r) : null;
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"devserve: --servlet-regexp: {e.Message}");
                return 2;
            }
            var log = parse.GetValue(logFile);
            var format = parse.GetValue(logFormat) switch
            {
                "combined" => LogFormat.Combined,
                "parenthesized" => LogFormat.ParenthesizedDefault,
                "extended" => LogFormat.Extended,
                _ => LogFormat.ApacheDefault,
            };
            var staticRoots = parse.GetValue(htdocs) is { Length: > 0 } given
                ? given.Select(d => d.FullName).ToArray()
                : [Path.Combine(script.DirectoryName!, "htdocs")];
            // The servlet sees its own directory as the working directory, as a Racket servlet does.
            Directory.SetCurrentDirectory(script.DirectoryName!);
            await using var servlet = new ScriptServlet(script.FullName, useCache: !parse.GetValue(noCache),
                stateless: parse.GetValue(stateless));   // compiles while Kestrel starts
            var quit = !parse.GetValue(noQuit);
            try
            {
                var live = LiveReload.Wrap(servlet, servlet.Dispatch);
                await Launch.ServeLaunchWait(
                    semaphore =>
                    {
                        var site = Dispatchers.Sequencer(
                        [
                            .. quit ? [Launch.QuitPage(semaphore)] : Array.Empty<Dispatcher>(),
                            .. staticRoots.Select(root => Dispatchers.Files(root)),
                            // With a servlet path, the live-reload stream still needs its own path.
                            only is null ? live : Dispatchers.Sequencer(
                                Dispatchers.Filter(new("^" + System.Text.RegularExpressions.Regex.Escape(LiveReload.EventsPath) + "$"), live),
                                Dispatchers.Filter(only, live)),
                        ]);
                        return log is null ? site : Dispatchers.Log(format, log.FullName, site);
                    },
                    launchPath: parse.GetValue(noBrowser) ? null : parse.GetValue(launchPath),
                    banner: !parse.GetValue(noBanner),
                    listenIp: parse.GetValue(listenIp),
                    port: parse.GetValue(port),
                    sslCert: cert?.FullName,
                    sslKey: key?.FullName,
                    // Like Racket's 2 s after /quit: long enough for the last page, short for open event streams.
                    safetyLimits: new SafetyLimits { ShutdownGracePeriod = TimeSpan.FromSeconds(2) },
                    cancellationToken: cancellationToken);
                return 0;
            }
            catch (IOException)
            {
                return 1;   // the banner has said why (a busy port)
            }
        });
        return command;
    }
}
