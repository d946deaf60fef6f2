namespace DevServe.Tests;

/// <summary>
/// One <c>.cs</c> file, two ways to run it: <c>dotnet run app.cs</c> (its top-level statements start a plain server)
/// and <c>devserve run app.cs</c> (devserve serves its <c>Start</c> and reloads it), both real processes over HTTP.
/// </summary>
[Collection(DotnetBuilds.Name)]
public sealed class FileAppRunTests
{
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(60) };

    private static string Example => Path.Combine(DevServeProcess.RepositoryRoot, "servlets", "app.cs");

    // Adds 2 and 3 through the example's two forms, then goes back to the second form and sends 10.
    private static async Task AddsAsync(string url)
    {
        var first = await s_client.GetStringAsync(url + "/");
        Assert.Contains("Enter the first number", first);
        var second = await s_client.PostAsync(url + Browser.FirstLink(first), ("number", "2"));
        Assert.Contains("Enter the second number", second);
        Assert.Contains("The answer is 5", await s_client.PostAsync(url + Browser.FirstLink(second), ("number", "3")));
        Assert.Contains("The answer is 12", await s_client.PostAsync(url + Browser.FirstLink(second), ("number", "10")));
    }

    [Fact]
    public async Task The_example_app_runs_unchanged_under_dotnet_run_and_under_devserve_run()
    {
        await using (var plain = DevServeProcess.StartProgram("dotnet", DevServeProcess.RepositoryRoot, null,
            "run", Example, "--", "0", "--no-browser"))
        {
            var url = await plain.UrlAsync();
            await AddsAsync(url);
        }
        await using var devserve = DevServeProcess.Start("run", Example, "--port", "0", "--no-browser");
        await AddsAsync(await devserve.UrlAsync());
        Assert.DoesNotContain("warning", devserve.Errors, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_app_naming_the_DevServe_package_runs_under_dotnet_run_from_the_local_package_and_under_devserve()
    {
        using var dir = new TempDirectory();
        var packages = Path.Combine(dir.Path, "packages");
        var (exit, output) = await RunAsync("dotnet", DevServeProcess.RepositoryRoot,
            ["pack", Path.Combine("src", "DevServe", "DevServe.csproj"), "-c", "Release", "-o", packages, "-nologo", "-v", "quiet"]);
        Assert.True(exit == 0, output);
        var version = Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(packages, "DevServe.*.nupkg")))["DevServe.".Length..];
        var app = dir.Write("app/app.cs", File.ReadAllText(Example)
            .Replace("#:project ../src/DevServe/DevServe.csproj", $"#:package DevServe@{version}\n#:property RestoreAdditionalProjectSources={packages}",
                StringComparison.Ordinal));
        // A private package folder: a DevServe of the same version cached by an earlier run must not be used instead.
        await using (var plain = DevServeProcess.StartProgram("dotnet", Path.GetDirectoryName(app),
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(dir.Path, "nuget") }, "run", app, "--", "0", "--no-browser"))
        {
            await AddsAsync(await plain.UrlAsync());
        }
        // devserve uses its own DevServe for the package: nothing to restore.
        await using var devserve = DevServeProcess.Start("run", app, "--port", "0", "--no-browser");
        await AddsAsync(await devserve.UrlAsync());
    }

    [Fact]
    public async Task The_published_devserve_compiles_an_app_against_the_framework_and_not_against_its_own_dependencies()
    {
        // Published self-contained, devserve's folder holds the frameworks' files and its own (Roslyn) side by side.
        // ILogger and IServiceCollection come from builds newer than the framework's, which a package of devserve's
        // carries; Roslyn's types must not be there at all.
        using var dir = new TempDirectory();
        var app = dir.Write("app.cs", FileAppTests.AppNamingNewerFrameworkAssemblies());
        await using (var devserve = DevServeProcess.Start("run", app, "--port", "0", "--no-browser", "--no-cache"))
        {
            Assert.Equal("False True", await s_client.GetStringAsync(await devserve.UrlAsync() + "/"));
        }
        File.WriteAllText(app, FileAppTests.AppNamingNewerFrameworkAssemblies("Microsoft.CodeAnalysis.SyntaxTree? tree = null;"));
        await using var roslyn = DevServeProcess.Start("run", app, "--port", "0", "--no-browser", "--no-cache");
        var page = await s_client.GetAsync(await roslyn.UrlAsync() + "/");
        Assert.False(page.IsSuccessStatusCode);
        Assert.Contains("CS0234", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);   // no CodeAnalysis in Microsoft
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]   // a shell script stands in for dotnet
    public async Task A_package_directive_is_restored_once_and_a_later_run_needs_no_restore()
    {
        using var dir = new TempDirectory();
        var app = dir.Write("notes.cs", "#:package Microsoft.Data.Sqlite@10.0.15\nusing DevServe;\n"
            + "static Response Start(Request request) => Response.Text(typeof(Microsoft.Data.Sqlite.SqliteConnection).Assembly.GetName().Name!);\n");
        var environment = new Dictionary<string, string> { ["DEVSERVE_CACHE"] = Path.Combine(dir.Path, "cache") };
        await using (var first = DevServeProcess.StartProgram(Path.Combine(DevServeProcess.RepositoryRoot, "scripts", "devserve"), null, environment,
            "run", app, "--port", "0", "--no-browser"))
        {
            Assert.Equal("Microsoft.Data.Sqlite", await s_client.GetStringAsync(await first.UrlAsync() + "/"));
        }

        // The published devserve, with a dotnet on PATH that fails: a restore now would be an error page.
        var fake = dir.Write("bin/dotnet", "#!/bin/sh\necho 'no dotnet here: the restore should not run' >&2\nexit 1\n");
        File.SetUnixFileMode(fake, File.GetUnixFileMode(fake) | UnixFileMode.UserExecute);
        environment["PATH"] = Path.GetDirectoryName(fake) + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        await using var second = DevServeProcess.StartProgram(Path.Combine(DevServeProcess.RepositoryRoot, "artifacts", "devserve", "DevServe.Cli"), null,
            environment, "run", app, "--port", "0", "--no-browser", "--no-cache");
        Assert.Equal("Microsoft.Data.Sqlite", await s_client.GetStringAsync(await second.UrlAsync() + "/"));
    }

    private static async Task<(int Exit, string Output)> RunAsync(string program, string directory, string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await stdout + await stderr);
    }
}
