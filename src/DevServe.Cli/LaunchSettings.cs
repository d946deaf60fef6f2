using System.Text.Json;

namespace DevServe.Cli;

/// <summary>
/// A <c>launchSettings.json</c> profile, read the way <c>dotnet run</c> reads it: <c>commandLineArgs</c> (devserve's
/// own arguments, a leading <c>run</c> allowed), the first <c>applicationUrl</c>, <c>launchBrowser</c> with
/// <c>launchUrl</c>, and <c>environmentVariables</c>.
/// </summary>
/// <param name="Name">The profile's name.</param>
/// <param name="SettingsFile">The file it came from.</param>
/// <param name="BaseDirectory">Where its relative paths start: the project directory (the parent of <c>Properties/</c>).</param>
/// <param name="Arguments">Its command-line arguments, without a leading <c>run</c>.</param>
/// <param name="ApplicationUrl">Its first application URL.</param>
/// <param name="LaunchBrowser">Whether it opens a browser.</param>
/// <param name="LaunchUrl">The page the browser opens.</param>
/// <param name="Environment">Environment variables for the servlet.</param>
internal sealed record LaunchSettings(string Name, string SettingsFile, string BaseDirectory, IReadOnlyList<string> Arguments, Uri? ApplicationUrl,
    bool LaunchBrowser, string? LaunchUrl, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>
    /// The profile that applies. Searched from the servlet's directory (else the working directory) upward:
    /// <c>Properties/launchSettings.json</c>, then <c>launchSettings.json</c>. Named: that profile. Unnamed: in a
    /// project's <c>Properties/</c>, its first <c>Project</c> profile (as <c>dotnet run</c>); in a top-level file, the
    /// profile whose arguments name this servlet. Null when none applies.
    /// </summary>
    /// <remarks>
    /// A <c>.cs</c> app (or a <c>.csx</c> script) may have its own <c>[name].run.json</c> beside it, as .NET 10's
    /// <c>dotnet run app.cs</c> reads it: used when there is no <c>Properties/launchSettings.json</c> beside the file.
    /// Its <c>commandLineArgs</c> are the app's own (for the top-level statements devserve does not run): not read.
    /// </remarks>
    /// <exception cref="LaunchSettingsException">The file is not valid or the named profile is missing.</exception>
    public static LaunchSettings? Select(string? servlet, string? name)
    {
        var start = servlet is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(servlet))!;
        if (servlet is not null && Path.GetExtension(servlet) is ".cs" or ".csx"
            && !File.Exists(Path.Combine(start, "Properties", "launchSettings.json"))
            && Path.Combine(start, Path.GetFileNameWithoutExtension(servlet) + ".run.json") is var runJson && File.Exists(runJson))
        {
            var own = Read(runJson, start, appArguments: true);
            return name is null ? own.FirstOrDefault()
                : own.FirstOrDefault(p => p.Name == name)
                    ?? throw new LaunchSettingsException($"{runJson}: no profile \"{name}\" (there are: {string.Join(", ", own.Select(p => p.Name))}).");
        }
        var file = Find(start);
        if (file is null)
        {
            return name is null ? null : throw new LaunchSettingsException($"--launch-profile {name}: no launchSettings.json in {start} or above.");
        }
        var inProperties = Path.GetFileName(Path.GetDirectoryName(file)) == "Properties";
        var baseDirectory = inProperties ? Path.GetDirectoryName(Path.GetDirectoryName(file))! : Path.GetDirectoryName(file)!;
        var profiles = Read(file, baseDirectory);
        if (name is not null)
        {
            return profiles.FirstOrDefault(p => p.Name == name)
                ?? throw new LaunchSettingsException($"{file}: no profile \"{name}\" (there are: {string.Join(", ", profiles.Select(p => p.Name))}).");
        }
        if (inProperties)
        {
            return profiles.FirstOrDefault();
        }
        var full = servlet is null ? null : Path.GetFullPath(servlet);
        return profiles.FirstOrDefault(p => p.Servlet is { } s && s == full);
    }

    /// <summary>The servlet file its arguments name (the first that is not an option), as a full path.</summary>
    public string? Servlet => Arguments.FirstOrDefault(a => !a.StartsWith('-') && Path.GetExtension(a) is ".csx" or ".cs" or ".dll" or ".csproj") is { } f
        ? Path.GetFullPath(Path.Combine(BaseDirectory, f)) : null;

    private static string? Find(string directory)
    {
        for (var d = new DirectoryInfo(directory); d is not null; d = d.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(d.FullName, "Properties", "launchSettings.json"), Path.Combine(d.FullName, "launchSettings.json") })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static List<LaunchSettings> Read(string file, string baseDirectory, bool appArguments = false)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!json.RootElement.TryGetProperty("profiles", out var profiles) || profiles.ValueKind != JsonValueKind.Object)
            {
                throw new LaunchSettingsException($"{file}: no \"profiles\" object.");
            }
            // Only Project profiles run the program itself (IIS Express and Docker ones are for other hosts), as in dotnet run.
            return [.. profiles.EnumerateObject()
                .Where(p => p.Value.TryGetProperty("commandName", out var c) && c.GetString() == "Project")
                .Select(p => Parse(p.Name, p.Value, file, baseDirectory, appArguments))];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException or UriFormatException)
        {
            throw new LaunchSettingsException($"{file}: {e.Message}");
        }
    }

    private static LaunchSettings Parse(string name, JsonElement profile, string file, string baseDirectory, bool appArguments)
    {
        string? Text(string key) => profile.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var arguments = appArguments ? [] : System.CommandLine.Parsing.CommandLineParser.SplitCommandLine(Text("commandLineArgs") ?? "").ToList();
        if (arguments is ["run", ..])
        {
            arguments.RemoveAt(0);
        }
        var url = Text("applicationUrl")?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        var environment = profile.TryGetProperty("environmentVariables", out var env) && env.ValueKind == JsonValueKind.Object
            ? env.EnumerateObject().ToDictionary(v => v.Name, v => v.Value.ValueKind == JsonValueKind.String ? v.Value.GetString()! : v.Value.GetRawText())
            : [];
        var launchBrowser = !profile.TryGetProperty("launchBrowser", out var browser) || browser.ValueKind != JsonValueKind.False;
        // Kestrel's wildcard hosts (*, +) are not URIs: read them as "every address".
        var uri = url is null ? null : new Uri(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal));
        return new LaunchSettings(name, file, baseDirectory, arguments, uri, launchBrowser, Text("launchUrl"), environment);
    }

    /// <summary>The address to listen on for <see cref="ApplicationUrl"/>: null means every address.</summary>
    public string? ListenIp => ApplicationUrl?.Host switch
    {
        null => "127.0.0.1",
        "localhost" => "127.0.0.1",
        "0.0.0.0" or "[::]" => null,
        var host => host.Trim('[', ']'),
    };

    /// <summary>The path the browser opens: <see cref="LaunchUrl"/> made absolute.</summary>
    public string LaunchPath => LaunchUrl switch
    {
        null or "" => "/",
        var u when Uri.TryCreate(u, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal) => absolute.PathAndQuery,
        var u => "/" + u.TrimStart('/'),
    };
}

/// <summary>A launch settings file that cannot be used, with the reason.</summary>
internal sealed class LaunchSettingsException(string message) : Exception(message);
