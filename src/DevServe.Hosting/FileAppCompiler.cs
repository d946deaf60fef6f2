using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace DevServe.Hosting;

/// <summary>
/// Compiles a <c>.cs</c> file-based app (what <c>dotnet run app.cs</c> runs) into a collectible load context and finds
/// its servlet: a top-level local function <c>Start</c>, else the one static <c>Start(Request)</c> of its classes.
/// Its top-level statements are not run (under <c>dotnet run</c> they launch the server: here devserve is the server).
/// </summary>
/// <remarks>
/// The file compiles as the SDK would compile it: regular C# (not a script), the SDK's implicit usings, nullable on,
/// its <c>#:</c> directives applied (<see cref="FileDirectives"/>), <c>DEVSERVE</c> defined for <c>#if</c>. One
/// Roslyn compilation, no MSBuild on the edit path. A top-level local function compiles to a static method of
/// <c>Program</c> named <c>&lt;&lt;Main&gt;$&gt;g__Start|…</c> (the compiler's stable scheme), found by reflection; one
/// that uses a variable of the top-level statements cannot run without them, and gets an error naming it.
/// </remarks>
internal static class FileAppCompiler
{
    private static readonly string[] s_usings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private static readonly string[] s_webUsings =
        ["System.Net.Http.Json", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http",
         "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection",
         "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging"];

    private static int s_version;

    /// <summary>Compiles the app whose text (directives already read) is <paramref name="text"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]   // no stack slot of this frame may keep a load context alive
    public static async Task<CompiledScript> CompileAsync(string full, string text, FileDirectives directives, ScriptCache? cache, string? key,
        string packagesDirectory, bool optimize, CancellationToken cancellationToken)
    {
        // The included files, theirs in turn (each once), with their directives: all of them are sources, watched.
        var texts = new List<(string Path, string Text)> { (full, text) };
        var pending = new Queue<(string From, FileDirectives.Located Include)>(directives.Includes.Select(i => (full, i)));
        while (pending.TryDequeue(out var next))
        {
            var (from, (include, line)) = next;
            if (texts.Any(t => t.Path == include))
            {
                continue;
            }
            try
            {
                var included = await File.ReadAllTextAsync(include, cancellationToken).ConfigureAwait(false);
                texts.Add((include, included));
                var theirs = FileDirectives.Read(included, include);
                directives.Merge(theirs);
                foreach (var more in theirs.Includes)
                {
                    pending.Enqueue((include, more));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                directives.Errors.Add(new ScriptError(from, line, 1, "DEVSERVE021", $"#:include {include}: cannot read it ({e.Message})."));
            }
        }
        List<string> sources = [.. texts.Select(t => t.Path).Concat(directives.Includes.Select(i => i.Path)).Distinct()];
        if (directives.Errors.Count > 0)
        {
            return CompiledScript.Failed(full, sources, directives.Errors);
        }
        var parse = directives.Apply(new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: ["DEVSERVE"]));
        var trees = texts.Select(t => Parse(t.Path, FileDirectives.Blank(t.Text), parse, cancellationToken)).ToList();
        var errors = new List<ScriptError>();
        if (!directives.Properties.TryGetValue("ImplicitUsings", out var implicitUsings) || implicitUsings.Value is "enable" or "true")
        {
            var usings = directives.IsWeb ? s_usings.Concat(s_webUsings) : s_usings;
            trees.Add(CSharpSyntaxTree.ParseText(string.Concat(usings.Select(u => $"global using global::{u};\n")), parse, "", Encoding.UTF8, cancellationToken));
        }
        NuGetReferences.Restore? restore = null;
        if (directives.Packages.Count > 0)
        {
            restore = await NuGetReferences.RestoreAsync(directives.Packages, packagesDirectory, cancellationToken).ConfigureAwait(false);
            errors.AddRange(restore.Errors);
        }
        var projects = await ProjectReferences.BuildAsync(full, directives.Projects, cancellationToken).ConfigureAwait(false);
        errors.AddRange(projects.Errors);
        sources.AddRange(projects.Sources);
        if (errors.Count > 0)
        {
            return CompiledScript.Failed(full, sources, errors);
        }

        var topLevel = trees.Any(t => t.GetCompilationUnitRoot(cancellationToken).Members.Any(m => m is GlobalStatementSyntax));
        var options = directives.Apply(new CSharpCompilationOptions(topLevel ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable)
            .WithOptimizationLevel(optimize ? OptimizationLevel.Release : OptimizationLevel.Debug));
        var compilation = CSharpCompilation.Create($"devserve-app-{Interlocked.Increment(ref s_version)}", trees,
            [.. ScriptCompiler.References, .. (restore?.Compile ?? []).Select(PackageReferenceResolver.Reference), .. projects.References()], options);
        if (StartErrors(compilation, full, cancellationToken) is { Count: > 0 } refused)
        {
            return CompiledScript.Failed(full, sources, refused);
        }
        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        var emitted = compilation.Emit(pe, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb),
            cancellationToken: cancellationToken);
        if (!emitted.Success)
        {
            return CompiledScript.Failed(full, sources, ScriptCompiler.Errors(emitted.Diagnostics, full));
        }
        var runtime = ScriptCompiler.RuntimeAssemblies(compilation, restore);
        foreach (var (name, file) in projects.Runtime)
        {
            runtime.TryAdd(name, file);
        }
        pe.Position = pdb.Position = 0;
        var context = new ScriptLoadContext(compilation.AssemblyName!, runtime, restore?.Native ?? new Dictionary<string, string>(),
            projects.Runtime.Values.ToHashSet(StringComparer.Ordinal));
        try
        {
            var method = StartIn(context.LoadFromStream(pe, pdb));
            if (key is not null)
            {
                await cache!.StoreAsync(key, pe.ToArray(), pdb.ToArray(), method.DeclaringType!.FullName!, method.Name, sources, context,
                    ScriptCache.AppKind).ConfigureAwait(false);
            }
            return CompiledScript.Succeeded(full, sources, ScriptStart.Of(method), context, [.. sources.SelectMany(ResumableRewriter.WarningsFor)]);
        }
        catch (Exception e) when (e is InvalidOperationException or TypeLoadException or ReflectionTypeLoadException or FileLoadException)
        {
            context.Unload();
            return CompiledScript.Failed(full, sources, [new ScriptError(full, 1, 1, "DEVSERVE001", e.Message)]);
        }
    }

    /// <summary>The app's servlet in its loaded assembly (see the class remarks).</summary>
    internal static MethodInfo StartIn(Assembly assembly)
    {
        const BindingFlags Static = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var local = assembly.GetType("Program")?.GetMethods(Static)
            .FirstOrDefault(m => m.Name.StartsWith("<<Main>$>g__Start|", StringComparison.Ordinal));
        if (local is not null)
        {
            return ScriptStart.IsStart(local) ? local
                : throw new InvalidOperationException("Start uses variables of the top-level statements, which devserve does not run: "
                    + "declare them inside Start, or as static fields of a class.");
        }
        return assembly.GetTypes().SelectMany(t => t.GetMethods(Static)).Where(m => m.Name == "Start" && ScriptStart.IsStart(m)).ToList() switch
        {
            [var one] => one,
            [] => throw new InvalidOperationException(NoStart),
            var many => throw new InvalidOperationException($"The app has {many.Count} Start methods ("
                + string.Join(", ", many.Select(m => m.DeclaringType!.FullName)) + "): keep one."),
        };
    }

    private const string NoStart = "The app defines no servlet: write a top-level static Response Start(Request request) => ... "
        + "(or static async Task<Response> Start), or a public static Start(Request) in a class.";

    private static SyntaxTree Parse(string path, string text, CSharpParseOptions options, CancellationToken cancellationToken)
        // Async methods become resumable (real continuations), as in scripts.
        => CSharpSyntaxTree.ParseText(ResumableRewriter.Rewrite(SourceText.From(text, Encoding.UTF8), path, options), options, path,
            cancellationToken);

    // A top-level Start that reads a variable of the top-level statements: named before emitting, on Start's line.
    private static IReadOnlyList<ScriptError> StartErrors(CSharpCompilation compilation, string full, CancellationToken cancellationToken)
    {
        foreach (var tree in compilation.SyntaxTrees)
        {
            var start = tree.GetCompilationUnitRoot(cancellationToken).Members.OfType<GlobalStatementSyntax>()
                .Select(g => g.Statement).OfType<LocalFunctionStatementSyntax>().FirstOrDefault(f => f.Identifier.ValueText == "Start");
            if (start is null)
            {
                continue;
            }
            var flow = compilation.GetSemanticModel(tree).AnalyzeDataFlow(start);
            var outer = flow is { Succeeded: true }
                ? flow.ReadInside.Concat(flow.WrittenInside)
                    .Where(s => s is ILocalSymbol or IParameterSymbol && !s.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == tree && start.Span.Contains(r.Span)))
                    .Select(s => s.Name).Distinct().ToList()
                : [];
            if (outer.Count == 0)
            {
                return [];
            }
            var at = start.Identifier.GetLocation().GetMappedLineSpan();
            return [new ScriptError(at.Path is { Length: > 0 } p ? p : full, at.StartLinePosition.Line + 1, at.StartLinePosition.Character + 1,
                "DEVSERVE022", $"Start uses {string.Join(", ", outer.Select(n => "'" + n + "'"))} from the top-level statements, which devserve "
                + "does not run (under dotnet run they launch the server): declare it inside Start, or as a static field of a class.")];
        }
        return [];
    }
}
