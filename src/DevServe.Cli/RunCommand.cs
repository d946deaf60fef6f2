using System.CommandLine;
using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary>
/// <c>devserve run FILE</c>: serve a servlet (a script, a class library, or its project), reload it on every save or
/// build, quit from the page. A launch profile supplies defaults; what the command line says wins.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo?>("file")
        {
            Description = "The servlet: a script (.csx), a class library (.dll) or its project (.csproj), defining Start.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var launchProfile = new Option<string>("--launch-profile") { Description = "Use this profile of launchSettings.json." };
        var noLaunchProfile = new Option<bool>("--no-launch-profile") { Description = "Do not use launchSettings.json." };
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
        var command = new Command("run", "Serve a servlet at / and reload it whenever it is saved or rebuilt.")
        {
            file, launchProfile, noLaunchProfile, port, listenIp, noBrowser, launchPath, htdocs, noQuit, noBanner, noCache, sslCert, sslKey,
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
            if (parse.GetValue(launchProfile) is not null && parse.GetValue(noLaunchProfile))
            {
                await Console.Error.WriteLineAsync("devserve: give --launch-profile or --no-launch-profile, not both.");
                return 2;
            }
            LaunchSettings? profile;
            try
            {
                profile = parse.GetValue(noLaunchProfile) ? null : LaunchSettings.Select(parse.GetValue(file)?.FullName, parse.GetValue(launchProfile));
            }
            catch (LaunchSettingsException e)
            {
                await Console.Error.WriteLineAsync($"devserve: {e.Message}");
                return 2;
            }
            var profileParse = profile is null ? null : command.Parse(profile.Arguments);
            if (profileParse is { Errors.Count: > 0 })
            {
                await Console.Error.WriteLineAsync($"devserve: {profile!.SettingsFile}, profile \"{profile.Name}\": {profileParse.Errors[0].Message}");
                return 2;
            }
            if (profile is not null)
            {
                Console.WriteLine($"Using launch settings from {profile.SettingsFile} (profile \"{profile.Name}\")...");
                foreach (var (name, value) in profile.Environment)
                {
                    Environment.SetEnvironmentVariable(name, value);
                }
            }
            // The command line wins over the profile's arguments, which win over its applicationUrl and launch settings.
            T Get<T>(Option<T> option) => parse.GetResult(option) is { Implicit: false } || profileParse?.GetResult(option) is not { Implicit: false }
                ? parse.GetValue(option)! : profileParse.GetValue(option)!;
            bool Given(Option option) => parse.GetResult(option) is { Implicit: false } || profileParse?.GetResult(option) is { Implicit: false };
            var servletFile = parse.GetValue(file) ?? (profile?.Servlet is { } fromProfile ? new FileInfo(fromProfile) : null);
            if (servletFile is null)
            {
                await Console.Error.WriteLineAsync("devserve: give a servlet file (devserve run hello.csx) or a --launch-profile that names one.");
                return 2;
            }
            if (!servletFile.Exists)
            {
                await Console.Error.WriteLineAsync($"devserve: {servletFile.FullName}: no such file.");
                return 2;
            }
            var kind = servletFile.Extension.ToLowerInvariant();
            if (kind is not (".csx" or ".dll" or ".csproj"))
            {
                await Console.Error.WriteLineAsync($"devserve: {servletFile.Name}: a servlet is a script (.csx), a class library (.dll) or a project (.csproj).");
                return 2;
            }
            var listenAt = Given(listenIp) || profile?.ApplicationUrl is null ? Get(listenIp) : profile.ListenIp;
            var portNumber = Given(port) || profile?.ApplicationUrl is null ? Get(port) : profile.ApplicationUrl.Port;
            var browse = !Get(noBrowser) && profile is not { LaunchBrowser: false };
            var browsePath = Given(launchPath) || profile is null ? Get(launchPath) : profile.LaunchPath;
            var cert = Get(sslCert);
            var key = Get(sslKey);
            if ((cert is null) != (key is null))
            {
                await Console.Error.WriteLineAsync("devserve: --ssl-cert and --ssl-key go together.");
                return 2;
            }
            if (Get(servletPath) is not null && Get(servletRegexp) is not null)
            {
                await Console.Error.WriteLineAsync("devserve: give --servlet-path or --servlet-regexp, not both.");
                return 2;
            }
            System.Text.RegularExpressions.Regex? only;
            try
            {
                only = Get(servletPath) is { } p ? new("^" + System.Text.RegularExpressions.Regex.Escape(p) + "$")
                    : Get(servletRegexp) is { } r ? new(r) : null;
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"devserve: --servlet-regexp: {e.Message}");
                return 2;
            }
            var log = Get(logFile);
            var format = Get(logFormat) switch
            {
                "combined" => LogFormat.Combined,
                "parenthesized" => LogFormat.ParenthesizedDefault,
                "extended" => LogFormat.Extended,
                _ => LogFormat.ApacheDefault,
            };
            var staticRoots = Get(htdocs) is { Length: > 0 } given
                ? given.Select(d => d.FullName).ToArray()
                : [Path.Combine(servletFile.DirectoryName!, "htdocs")];
            // The servlet sees its own directory as the working directory, as a Racket servlet does.
            Directory.SetCurrentDirectory(servletFile.DirectoryName!);
            // Compiles (or builds) while Kestrel starts.
            await using var servlet = kind == ".csx"
                ? (IReloadingServlet)new ScriptServlet(servletFile.FullName, useCache: !Get(noCache), stateless: Get(stateless))
                : new PluginServlet(servletFile.FullName, stateless: Get(stateless));
            var quit = !Get(noQuit);
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
                    launchPath: browse ? browsePath : null,
                    banner: !Get(noBanner),
                    listenIp: listenAt,
                    port: portNumber,
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
