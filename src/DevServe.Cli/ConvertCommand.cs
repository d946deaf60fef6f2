using System.CommandLine;
using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary>
/// <c>devserve convert app.csx</c>: when a prototype outgrows one file, its script becomes a plugin project
/// (<c>--to plugin</c>: a <c>.csproj</c> and <c>Servlet.cs</c>, run with <c>devserve run</c>) or a standalone
/// ASP.NET Core app using the DevServe library (<c>--to app</c>: plus a <c>Program.cs</c>, run with <c>dotnet run</c>).
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The script (.csx) to convert." };
        var to = new Option<string>("--to") { Description = "plugin (devserve run) or app (dotnet run).", DefaultValueFactory = _ => "plugin" };
        to.AcceptOnlyFromAmong("plugin", "app");
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "The project's folder (default: beside the script, named after it)." };
        var command = new Command("convert", "Turn a script servlet into a plugin project or a standalone app.") { file, to, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var script = parse.GetValue(file)!;
            if (!script.Exists || !script.Extension.Equals(".csx", StringComparison.OrdinalIgnoreCase))
            {
                await Console.Error.WriteLineAsync($"devserve: {script.FullName}: {(script.Exists ? "convert takes a script (.csx)" : "no such file")}.");
                return 2;
            }
            var name = Path.GetFileNameWithoutExtension(script.Name);
            var target = parse.GetValue(output) ?? new DirectoryInfo(Path.Combine(script.DirectoryName!, name));
            if (target.Exists && target.EnumerateFileSystemInfos().Any())
            {
                await Console.Error.WriteLineAsync($"devserve: {target.FullName} is not empty; convert writes into a new or empty folder.");
                return 2;
            }
            var (converted, errors) = await ScriptConverter.ConvertAsync(script.FullName, HostEnvironment.Read(useCache: false), cancellationToken);
            if (converted is null)
            {
                await Console.Error.WriteLineAsync($"devserve: {script.Name} cannot be converted as it is:");
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync("  " + error);
                }
                return 1;
            }
            var app = parse.GetValue(to) == "app";
            var comment = $"Converted from {script.Name} by devserve convert. Run it with: "
                + (app ? "dotnet run, in this folder" : $"devserve run {name}.csproj (it rebuilds and reloads on every save)");
            target.Create();
            await File.WriteAllTextAsync(Path.Combine(target.FullName, "Servlet.cs"), converted.Source, cancellationToken);
            var extras = new ProjectTemplates.Extras(converted.Packages, converted.Assemblies, converted.Projects, converted.Properties);
            await File.WriteAllTextAsync(Path.Combine(target.FullName, name + ".csproj"),
                app ? ProjectTemplates.AppProject(comment, extras) : ProjectTemplates.PluginProject(comment, extras), cancellationToken);
            if (app)
            {
                await File.WriteAllTextAsync(Path.Combine(target.FullName, "Program.cs"), ProjectTemplates.AppProgram(comment), cancellationToken);
            }
            foreach (var note in converted.Notes)
            {
                await Console.Error.WriteLineAsync("devserve: note: " + note);
            }
            var project = Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(target.FullName, name + ".csproj"));
            Console.WriteLine($"Wrote {Path.GetRelativePath(Directory.GetCurrentDirectory(), target.FullName)}/. Run it with:");
            Console.WriteLine(app ? $"  dotnet run --project {project}" : $"  devserve run {project}");
            return 0;
        });
        return command;
    }
}
