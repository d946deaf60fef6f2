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
    /// <param name="Assemblies">The dlls it named with <c>#r "x.dll"</c>, as full paths.</param>
    /// <param name="Projects">The projects it named with <c>#:project</c> (not DevServe's own).</param>
    /// <param name="Properties">Its <c>#:property</c> settings the compiler reads (LangVersion, Nullable...).</param>
    public sealed record Result(string Source, IReadOnlyList<(string Name, string Version)> Packages, IReadOnlyList<string> Notes,
        IReadOnlyList<string> Assemblies, IReadOnlyList<string> Projects, IReadOnlyDictionary<string, string> Properties);

    // What a file of the script brings besides its code.
    private sealed class Gathered
    {
        public List<(string Path, string Text)> Files { get; } = [];

        public List<(string, string)> Packages { get; } = [];

        public List<string> Assemblies { get; } = [];

        public List<string> Projects { get; } = [];

        public Dictionary<string, string> Properties { get; } = new(StringComparer.OrdinalIgnoreCase);

        public SortedSet<string> Usings { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// Converts <paramref name="path"/>; the errors are the script's compile errors (a broken script is not converted,
    /// and none of its code runs) or the constructs a class cannot hold, each with its line.
    /// </summary>
    public static async Task<(Result? Converted, IReadOnlyList<ScriptError> Errors)> ConvertAsync(string path, ServletHostOptions options,
        CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        // The script must compile first: the semantic model names every var's type, and nothing broken is carried over.
        if (await ScriptCompiler.CheckAsync(full, options, cancellationToken).ConfigureAwait(false) is { Count: > 0 } errors)
        {
            return (null, errors);
        }
        var parse = new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script);
        var gathered = new Gathered();
        await LoadAsync(full, parse, gathered, cancellationToken).ConfigureAwait(false);
        // One script tree of every file (loaded ones first), each under a #line naming it: one semantic model sees all.
        var combined = string.Concat(gathered.Usings.Select(u => u + "\n"))
            + string.Concat(gathered.Files.Select(f => $"#line 1 \"{f.Path.Replace("\"", "", StringComparison.Ordinal)}\"\n{f.Text}\n"));
        var tree = CSharpSyntaxTree.ParseText(combined, parse, full, cancellationToken: cancellationToken);
        var compilation = CSharpCompilation.CreateScriptCompilation("convert", tree,
            [.. ScriptCompiler.References, .. gathered.Assemblies.Select(PackageReferenceResolver.Reference)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, usings: ScriptCompiler.Usings));
        var model = compilation.GetSemanticModel(tree);
        var members = tree.GetCompilationUnitRoot(cancellationToken).Members;
        var refused = members.SelectMany(m => Refusals(m, model)).ToList();
        if (refused.Count > 0)
        {
            return (null, refused);
        }
        // Top-level statements other than declarations: then every variable is assigned in the static constructor, in
        // the script's order (a field initializer would run before all of them).
        var ordered = members.Any(m => m is GlobalStatementSyntax { Statement: not (LocalDeclarationStatementSyntax or LocalFunctionStatementSyntax) });
        var fields = new StringBuilder();
        var methods = new StringBuilder();
        var statements = new StringBuilder();
        var types = new StringBuilder();
        var notes = new List<string>();
        foreach (var member in members)
        {
            switch (member)
            {
                case GlobalStatementSyntax { Statement: LocalDeclarationStatementSyntax declaration }:
                    Field(declaration, declaration.Declaration, declaration.Modifiers, model, ordered, fields, statements);
                    break;
                case FieldDeclarationSyntax field:   // a script's top-level variable
                    Field(field, field.Declaration, field.Modifiers, model, ordered, fields, statements);
                    break;
                case GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax function }:
                    methods.Append('\n').Append(Member(function, function.Modifiers, function.AttributeLists, function.Identifier.ValueText, function.ReturnType));
                    break;
                case GlobalStatementSyntax { Statement: var statement } when IsInsta(statement):
                    var at = statement.GetLocation().GetMappedLineSpan();
                    notes.Add($"{Path.GetFileName(at.Path)}:{at.StartLinePosition.Line + 1}: {statement.WithoutTrivia()} only means something in a "
                        + "script: serve that folder with --htdocs (devserve run) or Dispatchers.Files (an app).");
                    statements.Append($"// The script said {statement.WithoutTrivia()} (see devserve convert's note).\n");
                    break;
                case GlobalStatementSyntax { Statement: var statement }:
                    statements.Append(Written(statement).TrimStart('\n', '\r'));
                    break;
                case MethodDeclarationSyntax method:
                    methods.Append('\n').Append(Member(method, method.Modifiers, method.AttributeLists, method.Identifier.ValueText, method.ReturnType));
                    break;
                case PropertyDeclarationSyntax or EventFieldDeclarationSyntax or EventDeclarationSyntax:
                    var basic = (MemberDeclarationSyntax)member;
                    fields.Append(basic.Modifiers.Any(SyntaxKind.StaticKeyword) ? Indent(Written(member), 1)
                        : Member(member, basic.Modifiers, basic.AttributeLists, "", null));
                    break;
                case BaseTypeDeclarationSyntax or DelegateDeclarationSyntax:
                    // Nested in Servlet, as a script's types are nested in the script: they still see its consts and static methods.
                    types.Append('\n').Append(Indent(Written(member).TrimStart('\n', '\r'), 1));
                    break;
                default:
                    fields.Append(Indent(Written(member), 1));
                    break;
            }
        }
        var text = new StringBuilder();
        text.Append("// Converted from ").Append(Path.GetFileName(full)).Append(" by devserve convert.\n");
        var usings = new SortedSet<string>(gathered.Usings, StringComparer.Ordinal);
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
            text.Append(fields.Length > 0 ? "\n" : "")
                .Append("    // The script's top-level statements, in its order: they ran once, when the script loaded.\n    static Servlet()\n    {\n")
                .Append(Indent(statements.ToString(), 2)).Append("    }\n");
        }
        text.Append(fields.Length + statements.Length == 0 ? methods.ToString().TrimStart('\n') : methods.ToString());
        text.Append(types).Append("}\n");
        return (new Result(text.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), gathered.Packages, notes, gathered.Assemblies,
            gathered.Projects, gathered.Properties), []);
    }

    // What a class cannot hold, each with its line: a top-level await, a variable whose type cannot be written, a
    // variable declared inside a statement (out var, a pattern, a deconstruction) that later code may use.
    private static IEnumerable<ScriptError> Refusals(MemberDeclarationSyntax member, SemanticModel model)
    {
        static IEnumerable<SyntaxNode> Own(SyntaxNode node)
            => node.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BlockSyntax
                or ForEachVariableStatementSyntax));
        static ScriptError Refuse(SyntaxNode at, string message) => ScriptError.At(at.GetLocation(), at.SyntaxTree.FilePath, "DEVSERVE030", message);
        if (member is GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax } or not (GlobalStatementSyntax or FieldDeclarationSyntax))
        {
            yield break;
        }
        if (Own(member).OfType<AwaitExpressionSyntax>().FirstOrDefault() is { } await)
        {
            yield return Refuse(await, "a top-level await cannot move into a class (a static constructor cannot await): move it into a method first.");
        }
        var declaration = (member as FieldDeclarationSyntax)?.Declaration
            ?? ((member as GlobalStatementSyntax)?.Statement as LocalDeclarationStatementSyntax)?.Declaration;
        if (declaration is { Type.IsVar: true } && model.GetTypeInfo(declaration.Type).Type is { } type && !CanBeWritten(type))
        {
            yield return Refuse(declaration, $"the type of {declaration.Variables[0].Identifier.ValueText} ({type.ToDisplayString()}) cannot be "
                + "written in C#: give it a named type (a record) first.");
        }
        if (declaration is null && Own(member).OfType<VariableDesignationSyntax>().FirstOrDefault() is { } designation)
        {
            yield return Refuse(designation, $"{designation} is declared inside a statement (out var, a pattern or a deconstruction): "
                + "declare it on a line of its own first, so it can become a field.");
        }
    }

    private static bool CanBeWritten(ITypeSymbol type) => type switch
    {
        { IsAnonymousType: true } => false,
        INamedTypeSymbol named => named.TypeArguments.All(CanBeWritten),
        IArrayTypeSymbol array => CanBeWritten(array.ElementType),
        _ => true,
    };

    // The script and what it #loads, loaded files first (their members come before the script's); their packages,
    // dlls, projects, properties and usings. The texts keep their lines, without the directives and usings a class
    // file must not have.
    private static async Task LoadAsync(string path, CSharpParseOptions parse, Gathered gathered, CancellationToken cancellationToken)
    {
        if (gathered.Files.Any(f => f.Path == path))
        {
            return;
        }
        var raw = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        var directives = FileDirectives.Read(raw, path);
        gathered.Packages.AddRange(NuGetReferences.Find(raw, path).Concat(directives.Packages).Select(p => (p.Name, p.Version))
            .Where(p => !gathered.Packages.Contains(p)).Distinct());
        gathered.Projects.AddRange(directives.Projects.Select(p => p.Path).Where(p => !ProjectReferences.IsDevServe(p)));
        // The ones the compiler reads; ImplicitUsings means nothing to a project of explicit usings.
        foreach (var (name, (value, _)) in directives.Properties
            .Where(p => FileDirectives.CompilerProperties.Contains(p.Key) && !p.Key.Equals("ImplicitUsings", StringComparison.OrdinalIgnoreCase)))
        {
            gathered.Properties.TryAdd(name, value);
        }
        var text = FileDirectives.Blank(raw, include: file => $"#load \"{file}\"");
        var root = CSharpSyntaxTree.ParseText(text, parse, path, cancellationToken: cancellationToken).GetCompilationUnitRoot(cancellationToken);
        foreach (var load in root.GetLoadDirectives())
        {
            await LoadAsync(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, load.File.ValueText)), parse, gathered, cancellationToken)
                .ConfigureAwait(false);
        }
        foreach (var reference in root.GetReferenceDirectives().Select(r => r.File.ValueText).Where(r => !NuGetReferences.IsPackage(r)))
        {
            gathered.Assemblies.Add(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, reference)));
        }
        var lines = text.Split('\n');
        foreach (var node in root.GetReferenceDirectives().Cast<SyntaxNode>().Concat(root.GetLoadDirectives()).Concat(root.Usings))
        {
            if (node is UsingDirectiveSyntax u)
            {
                gathered.Usings.Add(u.WithoutTrivia().ToString());
            }
            var span = node.GetLocation().GetLineSpan();
            for (var line = span.StartLinePosition.Line; line <= span.EndLinePosition.Line; line++)
            {
                lines[line] = "";
            }
        }
        gathered.Files.Add((path, string.Join('\n', lines)));
    }

    private static bool IsInsta(StatementSyntax statement)
        => statement is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { Expression: var called } }
            && called.ToString() is "StaticFilesPath" or "Insta.StaticFilesPath" or "DevServe.Hosting.Insta.StaticFilesPath";

    // var x = ...; → private static T x = ...; (the type the compiler inferred). A const stays a const with its value;
    // when the script has other top-level statements, the value is assigned in the static constructor, in order.
    private static void Field(SyntaxNode node, VariableDeclarationSyntax declaration, SyntaxTokenList modifiers, SemanticModel model, bool ordered,
        StringBuilder fields, StringBuilder statements)
    {
        var type = declaration.Type;
        var typeText = type.IsVar && model.GetTypeInfo(type).Type is { } inferred and not IErrorTypeSymbol
            ? inferred.ToMinimalDisplayString(model, type.SpanStart)
            : type.ToString();
        var constant = modifiers.Any(SyntaxKind.ConstKeyword);
        var prefix = Access(modifiers) + (constant ? " const " : " static ") + (modifiers.Any(SyntaxKind.ReadOnlyKeyword) ? "readonly " : "");
        var inline = constant || !ordered;
        var variables = string.Join(", ", declaration.Variables.Select(v => inline ? v.ToString() : v.Identifier.ValueText));
        fields.Append(Indent(Leading(node) + prefix + typeText + " " + variables + ";\n", 1));
        if (!inline)
        {
            foreach (var variable in declaration.Variables.Where(v => v.Initializer is not null))
            {
                statements.Append(variable.Identifier.ValueText).Append(' ').Append(variable.Initializer).Append(";\n");
            }
        }
    }

    // A method (Start public), property or event of the script made a static member, its attributes and comments as written.
    private static string Member(SyntaxNode node, SyntaxTokenList modifiers, SyntaxList<AttributeListSyntax> attributes, string name, TypeSyntax? returnType)
    {
        var start = name == "Start";
        var access = start ? "public" : Access(modifiers);
        var others = modifiers.Where(m => !IsAccessibility(m) && !m.IsKind(SyntaxKind.StaticKeyword)).Select(m => m.ValueText + " ");
        var builder = returnType is not null && modifiers.Any(SyntaxKind.AsyncKeyword) ? ResumableRewriter.BuilderFor(returnType) : null;
        var written = string.Concat(attributes.Select(a => a.ToString() + "\n"))
            + (builder is null || attributes.Any(a => a.ToString().Contains("AsyncMethodBuilder", StringComparison.Ordinal)) ? "" : builder + "\n");
        var first = modifiers.Any() ? modifiers[^1].GetNextToken() : attributes.Any() ? attributes[^1].GetLastToken().GetNextToken() : node.GetFirstToken();
        var rest = node.SyntaxTree.GetText().ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(first.SpanStart, node.Span.End));
        return Indent(Leading(node).TrimStart('\n', '\r') + written + access + " static " + string.Concat(others) + rest + "\n", 1);
    }

    // The accessibility the script wrote, else private (a script's members are private to it).
    private static string Access(SyntaxTokenList modifiers)
        => modifiers.Any(IsAccessibility) ? string.Join(" ", modifiers.Where(IsAccessibility).Select(m => m.ValueText)) : "private";

    private static bool IsAccessibility(SyntaxToken token)
        => token.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.InternalKeyword or SyntaxKind.ProtectedKeyword;

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
