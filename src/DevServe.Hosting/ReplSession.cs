using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Scripting.Hosting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;

namespace DevServe.Hosting;

/// <summary>
/// The C# state of a REPL: entries run one after another on a Roslyn <see cref="ScriptState"/>, and whatever
/// <c>Start</c> currently means is the servlet.
/// </summary>
/// <remarks>
/// A Roslyn submission binds names when it compiles, so a <c>Start</c> entered before a helper was redefined would
/// go on calling the old helper. After every entry that declares something, the latest <c>Start</c> definition is
/// therefore entered again (hidden), binding it to the newest helpers, and handed to the server. State it uses
/// (fields of earlier entries) is shared, not copied. Submissions are not collectible; a REPL session is short.
/// </remarks>
internal sealed class ReplSession : IDisposable
{
    private readonly string _directory;
    private readonly string _packagesDirectory;
    private readonly ReplGlobals _globals;
    private readonly List<NuGetReferences.Package> _packages = [];
    // Read by the runtime's resolving hooks on request threads while an entry may add packages: concurrent.
    private readonly ConcurrentDictionary<string, string> _natives = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _runtime = new(StringComparer.OrdinalIgnoreCase);
    private NuGetReferences.Restore? _restore;
    private ScriptOptions _options;
    private ScriptState? _state;
    private string? _startSource;
    private int _entries;
    private readonly List<string> _ran = [];

    /// <summary>A session whose relative <c>#load</c> and <c>#r</c> paths start at <paramref name="directory"/>.</summary>
    /// <param name="directory">Where relative paths start.</param>
    /// <param name="globals">What entries see.</param>
    /// <param name="packagesDirectory">Where restored package sets are kept.</param>
    public ReplSession(string directory, ReplGlobals globals, string packagesDirectory)
    {
        _packagesDirectory = packagesDirectory;
        _directory = Path.GetFullPath(directory);
        _globals = globals;
        _options = BaseOptions();
        AppDomain.CurrentDomain.AssemblyLoad += OnAssemblyLoad;
        // Packages also load assemblies by name alone (Microsoft.Data.Sqlite finds its SQLite bundle so): resolve those too.
        System.Runtime.Loader.AssemblyLoadContext.Default.Resolving += OnResolving;
    }

    /// <summary>Unhooks the session from the runtime's load events: a disposed session is collectable, and no longer answers.</summary>
    public void Dispose()
    {
        AppDomain.CurrentDomain.AssemblyLoad -= OnAssemblyLoad;
        System.Runtime.Loader.AssemblyLoadContext.Default.Resolving -= OnResolving;
    }

    private Assembly? OnResolving(System.Runtime.Loader.AssemblyLoadContext context, AssemblyName name)
        => name.Name is { } n && _runtime.TryGetValue(n, out var path) ? context.LoadFromAssemblyPath(path) : null;

    /// <summary>The servlet: the latest <c>Start</c>, bound to the latest helpers; null until one is defined.</summary>
    public Func<Request, Task<Response>>? Start { get; private set; }

    /// <summary>Whether <paramref name="code"/> is a whole entry (else the prompt asks for more lines).</summary>
    public static bool IsComplete(string code)
        => SyntaxFactory.IsCompleteSubmission(CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script)));

    /// <summary>What could replace the word at <paramref name="position"/> of <paramref name="entry"/>, given what the session has defined.</summary>
    public Task<ReplCompletion.Result> CompleteAsync(string entry, int position, CancellationToken cancellationToken = default)
    {
        string[] earlier;
        lock (_ran)
        {
            earlier = [.. _ran];
        }
        var references = (IEnumerable<MetadataReference>?)_state?.Script.GetCompilation().References ?? ScriptCompiler.References;
        return ReplCompletion.CompleteAsync(earlier, entry, position, references, cancellationToken);
    }

    /// <summary>Forgets every definition, reference and the servlet.</summary>
    public void Reset()
    {
        _state = null;
        _startSource = null;
        lock (_ran)
        {
            _ran.Clear();
        }
        Start = null;
        _packages.Clear();
        _restore = null;
        _options = BaseOptions();
    }

    /// <summary>Runs one entry: its value, its errors, or its exception; the session survives all three.</summary>
    public async Task<ReplResult> SubmitAsync(string code, CancellationToken cancellationToken = default)
    {
        var entry = ++_entries;
        // #r "nuget: …" at the prompt or in a file #load-ed now: restore first, then reference the packages.
        var packages = NuGetReferences.Find(code, "(entry " + entry + ")").Concat(LoadedFiles(code).SelectMany(f => NuGetReferences.Find(ReadOrEmpty(f), f)))
            .Where(p => !_packages.Any(q => string.Equals(q.Name, p.Name, StringComparison.OrdinalIgnoreCase) && q.Version == p.Version))
            .ToList();
        if (packages.Count > 0)
        {
            var restore = await NuGetReferences.RestoreAsync([.. _packages, .. packages], _packagesDirectory, cancellationToken).ConfigureAwait(false);
            if (restore.Errors.Count > 0)
            {
                return ReplResult.Failed([.. restore.Errors.Select(e => $"{e.Path}({e.Line},{e.Column}): error {e.Id}: {e.Message}")]);
            }
            _packages.AddRange(packages);
            Use(restore);
        }

        var original = code;
        // Async methods defined at the prompt are resumable, as in a script file (real continuations, no replay).
        code = ResumableRewriter.Rewrite(Microsoft.CodeAnalysis.Text.SourceText.From(code), "", s_parse).ToString();
        var script = _state is null ? CSharpScript.Create(code, _options, typeof(ReplGlobals)) : _state.Script.ContinueWith(code, _options);
        var errors = script.Compile(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            return ReplResult.Failed([.. errors.Select(d => CSharpDiagnosticFormatter.Instance.Format(d))]);
        }
        ScriptState<object> state = _state is null
            ? await script.RunAsync(_globals, _ => true, cancellationToken).ConfigureAwait(false)
            : await script.RunFromAsync(_state, _ => true, cancellationToken).ConfigureAwait(false);
        _state = state;
        lock (_ran)
        {
            _ran.Add(original);   // what it defined is there now, even when it threw afterwards
        }
        if (state.Exception is { } exception)
        {
            return ReplResult.Threw(CSharpObjectFormatter.Instance.FormatException(exception));
        }
        // The entry's trees: the files it #load-s first, then its own.
        var trees = script.GetCompilation().SyntaxTrees.ToList();
        var value = HasValue(trees[^1]) ? CSharpObjectFormatter.Instance.FormatObject(state.ReturnValue) : null;
        var (definesStart, declares) = Declarations(trees);
        if (definesStart is not null)
        {
            _startSource = definesStart;
        }
        if (_startSource is null || (definesStart is null && !declares))
        {
            return ReplResult.Ran(value, startChanged: false);
        }
        var rebound = await BindStartAsync(rebind: definesStart is null, cancellationToken).ConfigureAwait(false);
        return rebound is null ? ReplResult.Ran(value, startChanged: true) : ReplResult.Failed(rebound, value);
    }

    // Enters Start's definition again when asked (so it sees the newest helpers), then asks for it as a delegate.
    private async Task<IReadOnlyList<string>?> BindStartAsync(bool rebind, CancellationToken cancellationToken)
    {
        var code = (rebind ? _startSource + "\n" : "") + "DevServe.Hosting.ScriptStart.Of(Start)";
        var script = _state!.Script.ContinueWith<Func<Request, Task<Response>>>(code, _options);
        var errors = script.Compile(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            return [.. errors.Select(d => "Start no longer compiles against the new definitions (the server keeps the previous one): "
                + CSharpDiagnosticFormatter.Instance.Format(d))];
        }
        var state = await script.RunFromAsync(_state, _ => true, cancellationToken).ConfigureAwait(false);
        if (state.Exception is { } exception)
        {
            return [CSharpObjectFormatter.Instance.FormatException(exception)];
        }
        _state = state;
        Start = state.ReturnValue;
        return null;
    }

    // An entry ending in an expression without a semicolon has a value, even a null one.
    private static bool HasValue(SyntaxTree tree)
        => tree.GetCompilationUnitRoot().Members.LastOrDefault() is GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } };

    // The text of a Start defined by the entry (a method, or a field or variable holding a delegate), and whether
    // it declares anything a Start could call.
    private static (string? Start, bool Declares) Declarations(IEnumerable<SyntaxTree> trees)
    {
        string? start = null;
        var declares = false;
        foreach (var member in trees.SelectMany(t => t.GetCompilationUnitRoot().Members))
        {
            switch (member)
            {
                case MethodDeclarationSyntax method:
                    declares = true;
                    start = method.Identifier.Text == "Start" ? method.ToFullString() : start;
                    break;
                case FieldDeclarationSyntax field:
                    declares = true;
                    start = field.Declaration.Variables.Any(v => v.Identifier.Text == "Start") ? field.ToFullString() : start;
                    break;
                case GlobalStatementSyntax { Statement: LocalDeclarationStatementSyntax local }:
                    declares = true;
                    start = local.Declaration.Variables.Any(v => v.Identifier.Text == "Start") ? local.ToFullString() : start;
                    break;
                case GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax function }:
                    declares = true;
                    start = function.Identifier.Text == "Start" ? function.ToFullString() : start;
                    break;
                case BaseTypeDeclarationSyntax or DelegateDeclarationSyntax or PropertyDeclarationSyntax:
                    declares = true;
                    break;
            }
        }
        return (start, declares);
    }

    private IEnumerable<string> LoadedFiles(string code)
        => CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script))
            .GetCompilationUnitRoot().GetLoadDirectives()
            .Select(d => Path.GetFullPath(Path.Combine(_directory, d.File.ValueText)));

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    private static readonly CSharpParseOptions s_parse = new(LanguageVersion.Latest, kind: SourceCodeKind.Script);

    private ScriptOptions BaseOptions()
    {
        var resolver = new PackageReferenceResolver(ScriptMetadataResolver.Default.WithBaseDirectory(_directory), _restore, ScriptCompiler.References[^1]);
        return ScriptOptions.Default
            .WithReferences(ScriptCompiler.References)
            .WithImports(ScriptCompiler.Usings)
            .WithLanguageVersion(LanguageVersion.Latest)
            .WithEmitDebugInformation(true)
            .WithSourceResolver(new ResumableSourceResolver(_directory, s_parse))
            .WithMetadataResolver(resolver);
    }

    // The packages' implementation files are referenced directly (Roslyn's loader then loads them by path);
    // their native libraries are found for them as they load.
    private void Use(NuGetReferences.Restore restore)
    {
        _restore = restore;
        foreach (var (name, path) in restore.Native)
        {
            _natives[name] = path;
        }
        foreach (var (name, path) in restore.Runtime)
        {
            _runtime[name] = path;
        }
        _options = BaseOptions().AddReferences(restore.Runtime.Values.Select(PackageReferenceResolver.Reference));
    }

    private void OnAssemblyLoad(object? sender, AssemblyLoadEventArgs e)
    {
        if (!e.LoadedAssembly.IsDynamic && e.LoadedAssembly.GetName().Name is { } name
            && _runtime.TryGetValue(name, out var path) && path == e.LoadedAssembly.Location)
        {
            try
            {
                NativeLibrary.SetDllImportResolver(e.LoadedAssembly, (name, _, _) =>
                    _natives.TryGetValue(name.StartsWith("lib", StringComparison.Ordinal) ? name[3..] : name, out var path)
                        ? NativeLibrary.Load(path) : IntPtr.Zero);
            }
            catch (InvalidOperationException)
            {
                // the assembly set its own resolver
            }
        }
    }
}
