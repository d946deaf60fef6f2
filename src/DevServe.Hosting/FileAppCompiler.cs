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
/// Roslyn compilation, no MSBuild on the edit path; once a whole compile has succeeded, a save's compile leaves out
/// the top-level statements devserve never runs (<see cref="UnrunStatements"/>). A top-level local function compiles to
/// a static method of <c>Program</c> named <c>&lt;&lt;Main&gt;$&gt;g__Start|…</c> (the compiler's stable scheme), found
/// by reflection; one that uses a variable of the top-level statements cannot run without them, and gets an error
/// naming it.
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

    /// <summary>
    /// Compiles the app whose text (directives already read) is <paramref name="text"/>; with <paramref name="storeOnly"/>,
    /// into the cache only (its Start is found by reflection, then the context is unloaded).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]   // no stack slot of this frame may keep a load context alive
    public static async Task<CompiledScript> CompileAsync(string full, string text, FileDirectives directives, ScriptCache? cache, string? key,
        string packagesDirectory, bool optimize, bool storeOnly, Func<Task<bool>>? settled, CancellationToken cancellationToken)
    {
        // The included files, theirs in turn (each once), with their directives: all of them are sources, watched.
        var texts = new List<(string Path, string Text)> { (full, text) };
        var pending = new Queue<(string From, FileDirectives.Located Include)>(directives.Includes.Select(i => (full, i)));
        var named = new List<string>();
        while (pending.TryDequeue(out var next))
        {
            var (from, (include, line)) = next;
            named.Add(include);
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
        List<string> sources = [.. texts.Select(t => t.Path).Concat(named).Distinct()];   // a missing include too: creating it recompiles
        var parse = directives.Apply(new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: ["DEVSERVE"]));
        if (directives.Errors.Count > 0)
        {
            return CompiledScript.Failed(full, sources, directives.Errors);
        }
        var trees = texts.Select(t => Parse(t.Path, FileDirectives.Blank(t.Text), parse, cancellationToken)).ToList();
        if (directives.ImplicitUsings)
        {
            var usings = directives.IsWeb ? s_usings.Concat(s_webUsings) : s_usings;
            trees.Add(CSharpSyntaxTree.ParseText(string.Concat(usings.Select(u => $"global using global::{u};\n")), parse, "", Encoding.UTF8, cancellationToken));
        }
        if (storeOnly && directives.Projects.Count > 0)
        {
            return CompiledScript.InCache(full, sources, stored: false);   // an include's #:project: never cached, so nothing is built or restored
        }
        var errors = new List<ScriptError>();
        NuGetReferences.Restore? restore = null;
        if (directives.Packages.Count > 0)
        {
            restore = await NuGetReferences.RestoreAsync(directives.Packages, packagesDirectory, cancellationToken).ConfigureAwait(false);
            errors.AddRange(restore.Errors);
        }
        var projects = await ProjectReferences.BuildAsync(full, directives.Projects, cancellationToken).ConfigureAwait(false);
        errors.AddRange(projects.Errors);
        if (errors.Count > 0)
        {
            return CompiledScript.Failed(full, sources, errors, projects.Directories);
        }

        MetadataReference[] references =
            [.. ScriptCompiler.References, .. (restore?.Compile ?? []).Select(PackageReferenceResolver.Reference), .. projects.References()];
        // The lean compile, once a whole one has checked this shape (UnrunStatements); not with a project, whose output
        // can change under the same path, nor with warnings as errors.
        var wholeOptions = Options(trees);
        var lean = projects.Directories.Count == 0 && !WarningsAreErrors(wholeOptions)
            ? UnrunStatements.Blanked(trees, cancellationToken)
            : null;
        var shape = lean is null ? null : UnrunStatements.ShapeOf(trees, references, wholeOptions, cancellationToken);
        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        CSharpCompilation compilation;
        IReadOnlyList<ScriptError> failed;
        if (lean is not null && UnrunStatements.WereChecked(full, shape!))
        {
            // The file's Start was checked with this shape; what a body can add is a read of args, which only the checks say well.
            failed = CompileAndEmit(compilation = Compile(lean.Trees, Options(lean.Trees), lean: true), checkStart: lean.ReadsArgs);
            if (failed.Count > 0)
            {
                // The whole file says what is wrong; if nothing is, this shape does not compile lean.
                pe.SetLength(0);
                pdb.SetLength(0);
                failed = CompileAndEmit(compilation = Compile(trees, wholeOptions, lean: false), checkStart: true);
                if (failed.Count == 0)
                {
                    UnrunStatements.Refuse(full, shape!);
                }
            }
        }
        else
        {
            failed = CompileAndEmit(compilation = Compile(trees, wholeOptions, lean: false), checkStart: true);
            if (failed.Count == 0 && shape is not null)
            {
                UnrunStatements.Checked(full, shape);
            }
        }
        if (failed.Count > 0)
        {
            return CompiledScript.Failed(full, sources, failed, projects.Directories);
        }
        if (settled is not null && !await settled().ConfigureAwait(false))
        {
            return CompiledScript.Dropped(full);
        }
        pe.Position = pdb.Position = 0;
        var context = ScriptCompiler.LoadContext(compilation, restore, projects);
        try
        {
            var method = StartIn(context.LoadFromStream(pe, pdb));
            // Not with a project: the cache would load its output by path, and a rebuild rewrites it in place.
            var storing = key is not null && projects.Directories.Count == 0
                ? cache!.StoreAsync(key, pe.ToArray(), pdb.ToArray(), method.DeclaringType!.FullName!, method.Name, sources, context,
                    texts.ToDictionary(t => t.Path, t => ScriptCache.Hash(t.Text)), ScriptCache.AppKind)
                : null;
            if (storeOnly)
            {
                await (storing ?? Task.CompletedTask).ConfigureAwait(false);
                context.Unload();   // found by reflection only: none of the app's code ran
                return CompiledScript.InCache(full, sources, key is not null && cache!.Has(key));
            }
            return CompiledScript.Succeeded(full, sources, ScriptStart.Of(method), context, [.. sources.SelectMany(ResumableRewriter.WarningsFor)],
                projectDirectories: projects.Directories, storing: storing);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or TypeLoadException or ReflectionTypeLoadException
            or FileLoadException or FileNotFoundException or BadImageFormatException)
        {
            context.Unload();
            return CompiledScript.Failed(full, sources, [new ScriptError(full, 0, 0, "DEVSERVE001", e.Message)], projects.Directories);
        }

        CSharpCompilation Compile(IReadOnlyList<SyntaxTree> chosen, CSharpCompilationOptions options, bool lean)
        {
            var last = (storeOnly ? ScriptCompiler.StoreKey + ".cs" + optimize : full) + (lean ? " (lean)" : "");
            return LastCompilations.Make(last, chosen, references, options,
                () => CSharpCompilation.Create($"devserve-app-{Interlocked.Increment(ref s_version)}", chosen, references, options));
        }

        CSharpCompilationOptions Options(IReadOnlyList<SyntaxTree> chosen)
            => directives.Apply(new CSharpCompilationOptions(
                    chosen.Any(t => t.GetCompilationUnitRoot(cancellationToken).Members.Any(m => m is GlobalStatementSyntax))
                        ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                    nullableContextOptions: NullableContextOptions.Enable)
                .WithOptimizationLevel(optimize ? OptimizationLevel.Release : OptimizationLevel.Debug));

        IReadOnlyList<ScriptError> CompileAndEmit(CSharpCompilation compilation, bool checkStart)
        {
            if (checkStart && StartErrors(compilation, full, cancellationToken) is { Count: > 0 } refused)
            {
                return refused;
            }
            var emitted = compilation.Emit(pe, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb),
                cancellationToken: cancellationToken);
            return emitted.Success ? [] : ScriptCompiler.Errors(emitted.Diagnostics, full);
        }
    }

    private static bool WarningsAreErrors(CompilationOptions options)
        => options.GeneralDiagnosticOption == ReportDiagnostic.Error || options.SpecificDiagnosticOptions.ContainsValue(ReportDiagnostic.Error);

    /// <summary>The app's servlet in its loaded assembly (see the class remarks).</summary>
    internal static MethodInfo StartIn(Assembly assembly)
    {
        const BindingFlags Static = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var local = assembly.GetType("Program")?.GetMethods(Static)
            .FirstOrDefault(m => m.Name.StartsWith("<<Main>$>g__Start|", StringComparison.Ordinal));
        if (local is not null)
        {
            // A shape that is wrong was refused before emitting (StartErrors): what is left is the compiler's closure parameter.
            return ScriptStart.IsStart(local) ? local
                : throw new InvalidOperationException("Start uses variables of the top-level statements (perhaps through a function it calls), "
                    + "which devserve does not run: declare them inside Start, or as static fields of a class.");
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
            var model = compilation.GetSemanticModel(tree);
            var at = start.Identifier.GetLocation();
            if (model.GetDeclaredSymbol(start, cancellationToken) is IMethodSymbol symbol && !HasStartShape(symbol, compilation))
            {
                return [ScriptError.At(at, full, "DEVSERVE001",
                    "Start has the wrong shape: write static Response Start(Request request) or static async Task<Response> Start(Request request).")];
            }
            var flow = model.AnalyzeDataFlow(start);
            var outer = flow is { Succeeded: true }
                ? flow.ReadInside.Concat(flow.WrittenInside)
                    .Where(s => s is ILocalSymbol or IParameterSymbol && !s.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == tree && start.Span.Contains(r.Span)))
                    .Select(s => s.Name).Distinct().ToList()
                : [];
            if (outer.Count == 0)
            {
                return [];
            }
            return [ScriptError.At(at, full, "DEVSERVE022", $"Start uses {string.Join(", ", outer.Select(n => "'" + n + "'"))} from the top-level statements, which devserve "
                + "does not run (under dotnet run they launch the server): declare it inside Start, or as a static field of a class.")];
        }
        return [];
    }

    // One Request parameter, a Response or a Task<Response>, no type parameters.
    private static bool HasStartShape(IMethodSymbol start, CSharpCompilation compilation)
    {
        var request = compilation.GetTypeByMetadataName(typeof(Request).FullName!);
        var response = compilation.GetTypeByMetadataName(typeof(Response).FullName!);
        var task = compilation.GetTypeByMetadataName(typeof(Task<>).FullName!);
        return start.TypeParameters.IsEmpty && start.Parameters is [var only] && SymbolEqualityComparer.Default.Equals(only.Type, request)
            && only.RefKind == RefKind.None
            && (SymbolEqualityComparer.Default.Equals(start.ReturnType, response)
                || (start.ReturnType is INamedTypeSymbol { IsGenericType: true } generic
                    && SymbolEqualityComparer.Default.Equals(generic.ConstructedFrom, task)
                    && SymbolEqualityComparer.Default.Equals(generic.TypeArguments[0], response)));
    }
}
