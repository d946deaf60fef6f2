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
        var file = ServerOptions.FileArgument("The servlet: a script (.csx), a file-based app (.cs), a class library (.dll) or its project (.csproj), defining Start.");
        var launchProfile = new Option<string>("--launch-profile") { Description = "Use this profile of launchSettings.json." };
        var noLaunchProfile = new Option<bool>("--no-launch-profile") { Description = "Do not use launchSettings.json." };
        var server = new ServerOptions();
        var command = new Command("run", "Serve a servlet at / and reload it whenever it is saved or rebuilt.")
        {
            file, launchProfile, noLaunchProfile,
        };
        server.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await ProfileAsync(command, parse, launchProfile, noLaunchProfile, file) is not { } chosen)
            {
                return 2;
            }
            var (profile, profileParse) = chosen;
            // The command line wins over the profile's arguments, which win over its applicationUrl and launch settings.
            var values = profileParse is null ? new OptionValues(parse) : new ProfiledOptionValues(parse, profileParse);
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
            if (kind is not (".csx" or ".cs" or ".dll" or ".csproj"))
            {
                await Console.Error.WriteLineAsync($"devserve: {servletFile.Name}: a servlet is a script (.csx), a file-based app (.cs), a class library (.dll) or a project (.csproj).");
                return 2;
            }
            var plan = await server.ResolveAsync(values, servletFile.DirectoryName!,
                profile?.ApplicationUrl is { } url ? (profile.ListenIp, url.Port) : null,
                profile is null ? null : profile.LaunchBrowser ? profile.LaunchPath : "");
            if (plan is null)
            {
                return 2;
            }
            // The servlet sees its own directory as the working directory, as a Racket servlet does.
            Directory.SetCurrentDirectory(servletFile.DirectoryName!);
            if (await server.HostOptionsAsync(values) is not { } options)
            {
                return 2;
            }
            // Compiles (or builds) while Kestrel starts.
            await using var servlet = kind is ".csx" or ".cs"
                ? (IReloadingServlet)new ScriptServlet(servletFile.FullName, options)
                : new PluginServlet(servletFile.FullName, options);
            return await plan.ServeAsync(servlet, editor: options.Editor, cancellationToken: cancellationToken);
        });
        return command;
    }

    /// <summary>The launch profile that applies (its environment set) and its arguments parsed; <c>null</c> after printing why it cannot be used.</summary>
    private static async Task<(LaunchSettings? Profile, ParseResult? Arguments)?> ProfileAsync(Command command, ParseResult parse,
        Option<string> launchProfile, Option<bool> noLaunchProfile, Argument<FileInfo?> file)
    {
        if (parse.GetValue(launchProfile) is not null && parse.GetValue(noLaunchProfile))
        {
            await Console.Error.WriteLineAsync("devserve: give --launch-profile or --no-launch-profile, not both.");
            return null;
        }
        LaunchSettings? profile;
        try
        {
            profile = parse.GetValue(noLaunchProfile) ? null : LaunchSettings.Select(parse.GetValue(file)?.FullName, parse.GetValue(launchProfile));
        }
        catch (LaunchSettingsException e)
        {
            await Console.Error.WriteLineAsync($"devserve: {e.Message}");
            return null;
        }
        var profileParse = profile is null ? null : command.Parse(profile.Arguments);
        if (profileParse is { Errors.Count: > 0 })
        {
            await Console.Error.WriteLineAsync($"devserve: {profile!.SettingsFile}, profile \"{profile.Name}\": {profileParse.Errors[0].Message}");
            return null;
        }
        if (profile is not null)
        {
            Console.WriteLine($"Using launch settings from {profile.SettingsFile} (profile \"{profile.Name}\")...");
            foreach (var (name, value) in profile.Environment)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
        return (profile, profileParse);
    }
}
