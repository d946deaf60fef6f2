using System.Diagnostics;

namespace DevServe.Tests;

/// <summary>A servlet class library written and built by a test, compiled against the DevServe the tests run.</summary>
public sealed class PluginProject : IDisposable
{
    private readonly TempDirectory _directory = new();

    public PluginProject(string source)
    {
        Project = _directory.Write("TestPlugin.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <EnableDynamicLoading>true</EnableDynamicLoading>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="DevServe" HintPath="{typeof(Request).Assembly.Location}" Private="false" />
              </ItemGroup>
            </Project>
            """);
        Write(source);
    }

    public string Project { get; }

    public string Source => Path.Combine(_directory.Path, "Servlet.cs");

    public string Assembly => Path.Combine(_directory.Path, "bin", "Debug", "net10.0", "TestPlugin.dll");

    /// <summary>A servlet class whose Start answers <paramref name="text"/>.</summary>
    public static string Answering(string text)
        => $"namespace TestPlugin;\npublic static class Servlet\n{{\n    public static DevServe.Response Start(DevServe.Request request) => DevServe.Response.Text(\"{text}\");\n}}\n";

    public void Write(string source) => File.WriteAllText(Source, source);

    /// <summary>Runs <c>dotnet build</c> as a user in another terminal would.</summary>
    public async Task BuildAsync()
    {
        var info = new ProcessStartInfo("dotnet", ["build", Project, "-c", "Debug", "-nologo", "-v", "quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, "dotnet build failed:\n" + await output);
    }

    public void Dispose() => _directory.Dispose();
}
