using System.Reflection;
using System.Security;

namespace DevServe.Cli;

/// <summary>
/// The files <c>devserve new</c> and <c>devserve convert</c> write: a servlet script, a file-based app, a plugin
/// project, a standalone app project. Projects reference this install's <c>DevServe.dll</c> by path (offline, no feed).
/// </summary>
internal static class ProjectTemplates
{
    /// <summary>This DevServe's version as a package version (0.1.0).</summary>
    public static string Version { get; } = (typeof(Request).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "0.1.0").Split('+')[0];

    /// <summary>
    /// The library this devserve runs, as generated projects compile against it and copy it: the plain copy a
    /// published devserve keeps in <c>lib/</c> (its own is part of a composite image, which no other app loads).
    /// </summary>
    public static string DevServeAssembly => Path.Combine(AppContext.BaseDirectory, "lib", "DevServe.dll") is var plain && File.Exists(plain)
        ? plain : typeof(Request).Assembly.Location;

    /// <summary>The local feed <c>scripts/pack</c> fills, when this devserve runs from a repository that has one.</summary>
    public static string? LocalFeed
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                var feed = Path.Combine(d.FullName, "artifacts", "packages");
                if (File.Exists(Path.Combine(feed, $"DevServe.{Version}.nupkg")))
                {
                    return feed;
                }
            }
            return null;
        }
    }

    /// <summary>A script servlet.</summary>
    public static string Script(string name) => $$"""
        // A servlet: `devserve run {{name}}.csx` serves Start at every path and reloads it on every save.
        Response Start(Request request) =>
            Response.Xexpr(Html(Body(H1("Hello from {{name}}"), P("Edit {{name}}.csx and save: this page follows."))), "<!DOCTYPE html>");

        """;

    /// <summary>A file-based app that runs under <c>dotnet run</c> and under <c>devserve run</c>.</summary>
    public static string App(string name)
    {
        var feed = LocalFeed is { } f
            ? $"#:property RestoreAdditionalProjectSources={f}\n"
            : "// dotnet run needs the DevServe package: run scripts/pack in DevServe's repository, then add\n"
              + "// #:property RestoreAdditionalProjectSources=/path/to/devserve/artifacts/packages\n";
        return $$"""
            #!/usr/bin/env devserve
            #:sdk Microsoft.NET.Sdk.Web
            #:property PublishAot=false
            #:package DevServe@{{Version}}
            {{feed}}// `devserve run {{name}}.cs` serves Start and reloads it on every save (the top-level lines below do not run);
            // `dotnet run {{name}}.cs` runs them: a plain server (options: dotnet run {{name}}.cs -- PORT --no-browser).
            using DevServe;
            using static DevServe.Xexpr;

            await Launch.ServeServlet(Start, servletPath: "/", port: args is [var port, ..] ? int.Parse(port) : 8000,
                launchBrowser: !args.Contains("--no-browser"));

            static Response Start(Request request) =>
                Response.Xexpr(Html(Body(H1("Hello from {{name}}"), P("Edit {{name}}.cs and save: this page follows."))), "<!DOCTYPE html>");

            """;
    }

    /// <summary>A plugin's <c>Servlet.cs</c>.</summary>
    public static string PluginServlet(string name) => $$"""
        using DevServe;
        using static DevServe.Xexpr;

        /// <summary>The servlet: `devserve run {{name}}.csproj` builds it, serves Start, and rebuilds and reloads on every save.</summary>
        public static class Servlet
        {
            public static Response Start(Request request) =>
                Response.Xexpr(Html(Body(H1("Hello from {{name}}"), P("Edit Servlet.cs and save: this page follows."))), "<!DOCTYPE html>");
        }

        """;

    /// <summary>What a converted script brings into its project besides its code.</summary>
    /// <param name="Packages">Package references.</param>
    /// <param name="Assemblies">Dlls, by full path.</param>
    /// <param name="Projects">Project files, by full path.</param>
    /// <param name="Properties">Compiler properties (LangVersion, Nullable...).</param>
    public sealed record Extras(IReadOnlyList<(string Name, string Version)> Packages, IReadOnlyList<string> Assemblies, IReadOnlyList<string> Projects,
        IReadOnlyDictionary<string, string> Properties)
    {
        /// <summary>Nothing more.</summary>
        public static Extras None { get; } = new([], [], [], new Dictionary<string, string>());
    }

    /// <summary>A plugin project: a class library the host loads, compiled against the host's DevServe (never a copy of it).</summary>
    public static string PluginProject(string comment, Extras extras) => Project("Microsoft.NET.Sdk", comment, """
            <EnableDynamicLoading>true</EnableDynamicLoading>
        """, """
            <FrameworkReference Include="Microsoft.AspNetCore.App" />
            <Reference Include="DevServe" HintPath="{0}" Private="false" />
        """, extras);

    /// <summary>A standalone app project: its own server (its <c>Program.cs</c> calls <c>Launch.ServeServlet</c>).</summary>
    public static string AppProject(string comment, Extras extras) => Project("Microsoft.NET.Sdk.Web", comment, """
            <OutputType>Exe</OutputType>
        """, """
            <Reference Include="DevServe" HintPath="{0}" />
        """, extras);

    /// <summary>A standalone app's <c>Program.cs</c>.</summary>
    public static string AppProgram(string comment) => $$"""
        // {{comment}}
        using System.Linq;
        using DevServe;

        await Launch.ServeServlet(Servlet.Start, servletPath: "/", port: args is [var port, ..] ? int.Parse(port) : 8000,
            launchBrowser: !args.Contains("--no-browser"));

        """;

    private static string Project(string sdk, string comment, string properties, string references, Extras extras)
        => $"""
            <Project Sdk="{sdk}">
              <!-- {SecurityElement.Escape(comment).Replace("--", "- -", StringComparison.Ordinal)} -->
              <PropertyGroup>
                <TargetFramework>net{Environment.Version.Major}.{Environment.Version.Minor}</TargetFramework>
                <Nullable>disable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
            {properties}
                <!-- A prototype's warnings are not errors, whatever a Directory.Build.props above it says. -->
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
                <EnforceCodeStyleInBuild>false</EnforceCodeStyleInBuild>
              </PropertyGroup>
            {(extras.Properties.Count == 0 ? "" : "  <PropertyGroup>\n" + string.Concat(extras.Properties.Select(p => $"    <{p.Key}>{SecurityElement.Escape(p.Value)}</{p.Key}>\n")) + "  </PropertyGroup>\n")}  <ItemGroup>
            {string.Format(System.Globalization.CultureInfo.InvariantCulture, references, SecurityElement.Escape(DevServeAssembly))}
            {string.Concat(extras.Packages.Select(p => $"    <PackageReference Include=\"{SecurityElement.Escape(p.Name)}\" Version=\"{SecurityElement.Escape(p.Version)}\" />\n"))}{string.Concat(extras.Assemblies.Select(a => $"    <Reference Include=\"{SecurityElement.Escape(Path.GetFileNameWithoutExtension(a))}\" HintPath=\"{SecurityElement.Escape(a)}\" />\n"))}{string.Concat(extras.Projects.Select(p => $"    <ProjectReference Include=\"{SecurityElement.Escape(p)}\" />\n"))}  </ItemGroup>
            </Project>

            """;
}
