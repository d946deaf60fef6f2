using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DevServe.Hosting;

/// <summary>
/// Turns a <c>.csx</c> servlet (and the files it <c>#load</c>s) into one ordinary C# class, <c>public static class
/// Servlet</c>, for when a prototype outgrows one file (<c>devserve convert</c>): a plugin project or a standalone app
/// builds it as it is.
/// </summary>
/// <remarks>
/// A script's top-level variables become static fields (a <c>var</c> gets the type the compiler inferred), its
/// methods static methods (<c>Start</c> public), its other top-level statements a static constructor, its types
/// types of the file. The imports a script gets for free are written out. Async methods keep real continuations:
/// they get the resumable builder attribute a plugin opts in with. Member text is kept as written (comments
/// included), only indented. <c>#r "nuget: …"</c> and <c>#:package</c> become the project's packages.
/// </remarks>
internal static partial class ScriptConverter
{
    /// <summary>What the conversion made.</summary>
    /// <param name="Source">The text of <c>Servlet.cs</c>.</param>
    /// <param name="Packages">The packages the script named (name, version).</param>
    /// <param name="Notes">What the user must look at: statements that only mean something in a script.</param>
    public sealed record Result(string Source, IReadOnlyList<(string Name, string Version)> Packages, IReadOnlyList<string> Notes);

    /// <summary>Converts <paramref name="path"/>; the errors are the script's compile errors (a broken script is not converted).</summary>
    public static async Task<(Result? Converted, IReadOnlyList<ScriptError> Errors)> ConvertAsync(string path, ServletHostOptions options,
        CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        // The script must compile first: the semantic model names every var's type, and nothing broken is carried over.
        var compiled = await ScriptCompiler.CompileAsync(full, options with { UseCache = false }, cancellationToken).ConfigureAwait(false);
        if (compiled.Errors.Count > 0)
        {
            return (null, compiled.Errors);
        }
        compiled.Context?.Unload();
        var parse = new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script);
        var files = new List<(string Path, string Text)>();
        var packages = new List<(string, string)>();
        var usings = new SortedSet<string>(StringComparer.Ordinal);
        await LoadAsync(full, parse, files, packages, usings, cancellationToken).ConfigureAwait(false);
        // One script tree of every file (loaded ones first), each under a #line naming it: one semantic model sees all.
        var combined = string.Concat(usings.Select(u => u + "\n"))
            + string.Concat(files.Select(f => $"#line 1 \"{f.Path.Replace("\"", "", StringComparison.Ordinal)}\"\n{f.Text}\n"));
        var tree = CSharpSyntaxTree.ParseText(combined, parse, full, cancellationToken: cancellationToken);
        var compilation = CSharpCompilation.CreateScriptCompilation("convert", tree, ScriptCompiler.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, usings: ScriptCompiler.Usings));
        var fields = new StringBuilder();
        var methods = new StringBuilder();
        var statements = new StringBuilder();
        var types = new StringBuilder();
        var notes = new List<string>();
        var model = compilation.GetSemanticModel(tree);
        foreach (var member in tree.GetCompilationUnitRoot(cancellationToken).Members)
        {
            switch (member)
            {
                case GlobalStatementSyntax { Statement: LocalDeclarationStatementSyntax declaration }:
                    fields.Append(Field(declaration, declaration.Declaration, declaration.Modifiers, model));
                    break;
                case FieldDeclarationSyntax field:   // a script's top-level variable
                    fields.Append(Field(field, field.Declaration, field.Modifiers, model));
                    break;
                case GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax function }:
                    methods.Append(Method(function.Modifiers, function.ReturnType, function.Identifier, function, function.AttributeLists));
                    break;
                case GlobalStatementSyntax { Statement: var statement } when IsInsta(statement):
                    var at = statement.GetLocation().GetMappedLineSpan();
                    notes.Add($"{Path.GetFileName(at.Path)}:{at.StartLinePosition.Line + 1}: {statement.WithoutTrivia()} only means something in a "
                        + "script: serve that folder with --htdocs (devserve run) or Dispatchers.Files (an app).");
                    statements.Append(Indent($"// The script said {statement.WithoutTrivia()} (see devserve convert's note).\n", 1));
                    break;
                case GlobalStatementSyntax { Statement: var statement }:
                    statements.Append(Indent(Written(statement), 1));
                    break;
                case MethodDeclarationSyntax method:
                    methods.Append(Method(method.Modifiers, method.ReturnType, method.Identifier, method, method.AttributeLists));
                    break;
                case PropertyDeclarationSyntax:
                    fields.Append(Indent(Static(member), 1));
                    break;
                case BaseTypeDeclarationSyntax or DelegateDeclarationSyntax:
                    types.Append(Written(member).TrimStart('\n', '\r')).Append('\n');
                    break;
                default:
                    fields.Append(Indent(Written(member), 1));
                    break;
            }
        }
        var text = new StringBuilder();
        text.Append("// Converted from ").Append(Path.GetFileName(full)).Append(" by devserve convert.\n");
        foreach (var u in ScriptCompiler.Usings.Where(u => u != "DevServe.Hosting.Insta"))
        {
            usings.Add(u is "DevServe.Web" or "DevServe.Xexpr" or "DevServe.Formlets" ? $"using static {u};" : $"using {u};");
        }
        // using X; before using static X;, System's namespaces first.
        foreach (var u in usings.OrderBy(u => u.StartsWith("using static ", StringComparison.Ordinal))
            .ThenBy(u => !u.StartsWith("using System", StringComparison.Ordinal)).ThenBy(u => u.TrimEnd(';'), StringComparer.Ordinal))
        {
            text.Append(u).Append('\n');
        }
        text.Append("\n/// <summary>The servlet: <c>Start</c> answers each request.</summary>\npublic static class Servlet\n{\n");
        text.Append(fields.ToString().TrimStart('\n'));
        if (statements.Length > 0)
        {
            text.Append("\n    // The script's top-level statements: they ran once, when the script loaded.\n    static Servlet()\n    {\n")
                .Append(Indent(statements.ToString(), 1)).Append("    }\n");
        }
        text.Append(fields.Length + statements.Length == 0 ? methods.ToString().TrimStart('\n') : methods.ToString()).Append("}\n");
        if (types.Length > 0)
        {
            text.Append('\n').Append(types);
        }
        return (new Result(text.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), packages, notes), []);
    }

    // The script and what it #loads, loaded files first (their members come before the script's); their packages and
    // usings. The texts keep their lines, without the directives and usings a class file must not have.
    private static async Task LoadAsync(string path, CSharpParseOptions parse, List<(string, string)> files, List<(string, string)> packages,
        SortedSet<string> usings, CancellationToken cancellationToken)
    {
        if (files.Any(f => f.Item1 == path))
        {
            return;
        }
        var raw = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        var directives = FileDirectives.Read(raw, path);
        packages.AddRange(NuGetReferences.Find(raw, path).Concat(directives.Packages).Select(p => (p.Name, p.Version)).Distinct());
        var text = FileDirectives.Blank(raw, include: file => $"#load \"{file}\"");
        var root = CSharpSyntaxTree.ParseText(text, parse, path, cancellationToken: cancellationToken).GetCompilationUnitRoot(cancellationToken);
        foreach (var load in root.GetLoadDirectives())
        {
            await LoadAsync(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, load.File.ValueText)), parse, files, packages, usings, cancellationToken)
                .ConfigureAwait(false);
        }
        var lines = text.Split('\n');
        foreach (var node in root.GetReferenceDirectives().Cast<SyntaxNode>().Concat(root.GetLoadDirectives()).Concat(root.Usings))
        {
            if (node is UsingDirectiveSyntax u)
            {
                usings.Add(u.WithoutTrivia().ToString());
            }
            var span = node.GetLocation().GetLineSpan();
            for (var line = span.StartLinePosition.Line; line <= span.EndLinePosition.Line; line++)
            {
                lines[line] = "";
            }
        }
        files.Add((path, string.Join('\n', lines)));
    }

    private static bool IsInsta(StatementSyntax statement)
        => statement is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { Expression: var called } }
            && called.ToString() is "StaticFilesPath" or "Insta.StaticFilesPath" or "DevServe.Hosting.Insta.StaticFilesPath";

    // var x = ...; → private static T x = ...; (the type the compiler inferred). A const stays a const, readonly stays.
    private static string Field(SyntaxNode node, VariableDeclarationSyntax declaration, SyntaxTokenList modifiers, SemanticModel model)
    {
        var type = declaration.Type;
        var typeText = type.IsVar && model.GetTypeInfo(type).Type is { } inferred and not IErrorTypeSymbol
            ? inferred.ToMinimalDisplayString(model, type.SpanStart)
            : type.ToString();
        var access = modifiers.Any(IsAccessibility) ? string.Join(" ", modifiers.Where(IsAccessibility).Select(m => m.ValueText)) : "private";
        var kept = modifiers.Where(m => m.Kind() is SyntaxKind.ConstKeyword or SyntaxKind.ReadOnlyKeyword).Select(m => m.ValueText + " ");
        var prefix = access + (modifiers.Any(SyntaxKind.ConstKeyword) ? " " : " static ") + string.Concat(kept);
        var variables = string.Join(", ", declaration.Variables.Select(v => v.ToString()));
        return Indent(Leading(node) + prefix + typeText + " " + variables + ";\n", 1);
    }

    private static string Method(SyntaxTokenList modifiers, TypeSyntax returnType, SyntaxToken name, SyntaxNode node, SyntaxList<AttributeListSyntax> attributes)
    {
        var start = name.ValueText == "Start";
        var access = start ? "public" : modifiers.Any(IsAccessibility) ? string.Join(" ", modifiers.Where(IsAccessibility).Select(m => m.ValueText)) : "private";
        var others = modifiers.Where(m => !IsAccessibility(m) && !m.IsKind(SyntaxKind.StaticKeyword)).Select(m => m.ValueText + " ");
        var builder = modifiers.Any(SyntaxKind.AsyncKeyword) ? ResumableRewriter.BuilderFor(returnType) : null;
        var written = string.Concat(attributes.Select(a => a.ToString() + "\n"))
            + (builder is null || attributes.Any(a => a.ToString().Contains("AsyncMethodBuilder", StringComparison.Ordinal)) ? "" : builder + "\n");
        var rest = node.SyntaxTree.GetText().ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(returnType.SpanStart, node.Span.End));
        return "\n" + Indent(Leading(node).TrimStart('\n', '\r') + written + access + " static " + string.Concat(others) + rest + "\n", 1);
    }

    private static bool IsAccessibility(SyntaxToken token)
        => token.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.InternalKeyword or SyntaxKind.ProtectedKeyword;

    private static string Static(MemberDeclarationSyntax member)
        => member.Modifiers.Any(SyntaxKind.StaticKeyword) || member.Modifiers.Any(SyntaxKind.ConstKeyword)
            ? Written(member)
            : Leading(member) + "static " + member.WithoutLeadingTrivia().ToFullString();

    // The comments above a node, as written (not the #line that names its file), with no more than one blank line in a row.
    private static string Leading(SyntaxNode node)
        => BlankLines().Replace(string.Concat(node.GetLeadingTrivia().Where(t => !t.IsDirective).Select(t => t.ToFullString())), "\n\n");

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:\r?\n[ \t]*){3,}")]
    private static partial System.Text.RegularExpressions.Regex BlankLines();

    // A node as written, its comments included.
    private static string Written(SyntaxNode node) => Leading(node) + node.WithoutLeadingTrivia().ToFullString();

    // Indents each line by four spaces per level, except lines that begin inside a string literal (its text must not change).
    private static string Indent(string text, int levels)
    {
        var tree = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script));
        var source = tree.GetText();
        var inside = new HashSet<int>();
        foreach (var token in tree.GetRoot().DescendantTokens().Where(t => t.IsKind(SyntaxKind.StringLiteralToken)
            || t.IsKind(SyntaxKind.InterpolatedStringTextToken) || t.IsKind(SyntaxKind.MultiLineRawStringLiteralToken)))
        {
            var lines = source.Lines.GetLinePositionSpan(token.Span);
            for (var line = lines.Start.Line + 1; line <= lines.End.Line; line++)
            {
                inside.Add(line);
            }
        }
        var indent = new string(' ', 4 * levels);
        return string.Concat(source.Lines.Select((l, i) =>
            (l.Span.IsEmpty || inside.Contains(i) ? "" : indent) + l.ToString() + (i < source.Lines.Count - 1 ? "\n" : "")));
    }
}
