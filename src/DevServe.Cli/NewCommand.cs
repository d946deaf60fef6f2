using System.CommandLine;

namespace DevServe.Cli;

/// <summary>
/// <c>devserve new TEMPLATE NAME</c>: a servlet script (<c>servlet</c>), a file-based app (<c>app</c>), a plugin
/// project (<c>plugin</c>) or a site (<c>site</c>, as <c>new-site</c>), each runnable at once. Nothing is overwritten.
/// </summary>
internal static class NewCommand
{
    private static readonly string[] s_templates = ["servlet", "app", "plugin", "site"];

    public static Command Create()
    {
        var template = new Argument<string>("template") { Description = "servlet (NAME.csx), app (NAME.cs), plugin (NAME/NAME.csproj) or site (NAME/)." };
        template.AcceptOnlyFromAmong(s_templates);
        var name = new Argument<string>("name") { Description = "The file or folder name, without extension." };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Where to write it (default: the current directory)." };
        var command = new Command("new", "Write a new servlet, file-based app, plugin project or site, ready to run.") { template, name, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var chosen = parse.GetValue(template)!;
            var named = parse.GetValue(name)!;
            if (named.Length == 0 || named.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || named.StartsWith('.'))
            {
                await Console.Error.WriteLineAsync($"devserve: \"{named}\" is not a file name: give a plain name such as hello.");
                return 2;
            }
            var directory = parse.GetValue(output)?.FullName ?? Directory.GetCurrentDirectory();
            if (chosen == "site")
            {
                return await NewSiteCommand.WriteAsync(new DirectoryInfo(Path.Combine(directory, named)), cancellationToken);
            }
            var files = chosen switch
            {
                "servlet" => new Dictionary<string, string> { [named + ".csx"] = ProjectTemplates.Script(named) },
                "app" => new Dictionary<string, string> { [named + ".cs"] = ProjectTemplates.App(named) },
                _ => new Dictionary<string, string>
                {
                    [Path.Combine(named, named + ".csproj")] = ProjectTemplates.PluginProject($"A servlet as a class library: devserve run {named}.csproj", ProjectTemplates.Extras.None),
                    [Path.Combine(named, "Servlet.cs")] = ProjectTemplates.PluginServlet(named),
                },
            };
            if (files.Keys.Select(f => Path.Combine(directory, f)).FirstOrDefault(Path.Exists) is { } existing)
            {
                await Console.Error.WriteLineAsync($"devserve: {existing} exists; new never overwrites.");
                return 2;
            }
            foreach (var (file, text) in files)
            {
                var path = Path.Combine(directory, file);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, text, cancellationToken);
            }
            var run = Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(directory, files.Keys.First()));
            Console.WriteLine($"Wrote {string.Join(", ", files.Keys.Select(f => Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(directory, f))))}. Run it with:");
            Console.WriteLine($"  devserve run {run}");
            return 0;
        });
        return command;
    }
}
