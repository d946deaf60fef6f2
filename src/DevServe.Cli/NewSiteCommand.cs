using System.CommandLine;

namespace DevServe.Cli;

/// <summary><c>devserve new-site DIR</c>: writes a site like Racket's default web root, ready for <c>devserve serve</c>.</summary>
internal static class NewSiteCommand
{
    private const string Prefix = "DefaultSite/";

    public static Command Create()
    {
        var directory = new Argument<DirectoryInfo>("dir") { Description = "The directory to create (it must not exist or must be empty)." };
        var command = new Command("new-site", "Write a new site: site.json, conf/ pages, htdocs/ with servlets, passwords, mime.types.") { directory };
        command.SetAction((parse, cancellationToken) => WriteAsync(parse.GetValue(directory)!, cancellationToken));
        return command;
    }

    /// <summary>Writes the site into <paramref name="target"/> (new or empty); 2 after saying why not.</summary>
    public static async Task<int> WriteAsync(DirectoryInfo target, CancellationToken cancellationToken)
    {
        if (target.Exists && target.EnumerateFileSystemInfos().Any())
        {
            await Console.Error.WriteLineAsync($"devserve: {target.FullName} is not empty; new-site writes into a new or empty directory.");
            return 2;
        }
        var assembly = typeof(NewSiteCommand).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order())
        {
            var path = Path.Combine(target.FullName, name[Prefix.Length..].Replace('\\', '/'));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using var resource = assembly.GetManifestResourceStream(name)!;
            await using var file = File.Create(path);
            await resource.CopyToAsync(file, cancellationToken);
        }
        var config = Path.Combine(target.FullName, "site.json");
        Console.WriteLine($"A new site is in {target.FullName}. Serve it with:");
        Console.WriteLine($"  devserve serve --config {Path.GetRelativePath(Directory.GetCurrentDirectory(), config)}");
        return 0;
    }
}
