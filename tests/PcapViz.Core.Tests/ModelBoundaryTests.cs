using System.Reflection;

namespace PcapViz.Tests;

/// <summary>
/// docs/architecture.md, "What Core exposes": the boundaries inside Core, read from the compiled types (fields,
/// properties, constructor and method signatures; compiler-made nested types included).
/// </summary>
public sealed class ModelBoundaryTests
{
    /// <summary>
    /// The result model depends on nothing else in Core: its types name only types of the model itself, of the BCL or
    /// of <c>PcapViz.Protocols</c> (the model's values are parsed there). No context data (Public Suffix List, GeoIP), no
    /// analysis state, no orchestration.
    /// </summary>
    [Fact]
    public void ModelTypes_NameOnlyModelBclOrProtocolsTypes()
    {
        var offending = Offending("PcapViz.Model", ns => ns == "PcapViz.Model" || ns.StartsWith("PcapViz.Protocols", StringComparison.Ordinal));
        Assert.True(offending.Count == 0, string.Join('\n', offending));
    }

    /// <summary>Bundle → Orchestration one way: the orchestration uses the bundle (transaction, manifest, cache); the
    /// bundle names no orchestration type.</summary>
    [Fact]
    public void BundleTypes_NameNoOrchestrationType()
    {
        var offending = Offending("PcapViz.Bundle", ns => ns != "PcapViz.Orchestration");
        Assert.True(offending.Count == 0, string.Join('\n', offending));
    }

    /// <summary>The same boundaries in the source, where method bodies are too: no <c>using</c> of, and no code line
    /// naming, a namespace the folder may not depend on.</summary>
    [Theory]
    [InlineData("Model", "Analysis,Bundle,Context,Decoding,Diff,Discovery,Export,Orchestration,Pseudonymisation,Reading,ScaleOut,Slicing,View")]
    [InlineData("Bundle", "Orchestration")]
    public void Sources_UseNoNamespaceTheFolderMayNotDependOn(string folder, string forbidden)
    {
        string dir = Path.Combine(TestEnvironment.RepositoryRoot, "src", "PcapViz.Core", folder);
        var names = forbidden.Split(',').Select(n => "PcapViz." + n).ToList();
        var found = new List<string>();
        foreach (string file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
        {
            int number = 0;
            foreach (string line in File.ReadLines(file))
            {
                number++;
                string code = line.TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal)) continue;
                foreach (string ns in names)
                    if (code.StartsWith($"using {ns};", StringComparison.Ordinal) || code.Contains(ns + ".", StringComparison.Ordinal))
                        found.Add($"{Path.GetRelativePath(TestEnvironment.RepositoryRoot, file)}:{number}: {code}");
            }
        }
        Assert.True(found.Count == 0, string.Join('\n', found));
    }

    private static SortedSet<string> Offending(string inNamespace, Func<string, bool> allowed)
    {
        var core = typeof(PcapViz.Model.RunResult).Assembly;
        var types = core.GetTypes().Where(t => t.Namespace == inNamespace).ToList();
        Assert.True(types.Count > 10, $"only {types.Count} types found in {inNamespace}");
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var offending = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            var named = new List<Type>();
            if (type.BaseType is { } baseType) named.Add(baseType);
            named.AddRange(type.GetInterfaces());
            named.AddRange(type.GetFields(all).Select(f => f.FieldType));
            named.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                named.AddRange(method.GetParameters().Select(p => p.ParameterType));
                if (method is MethodInfo m) named.Add(m.ReturnType);
            }
            foreach (var t in named.SelectMany(Flatten))
                if (t.Namespace is { } ns && ns.StartsWith("PcapViz", StringComparison.Ordinal) && !allowed(ns))
                    offending.Add($"{type.FullName} names {t.FullName}");
        }
        return offending;
    }

    /// <summary>A type and the types it is made of (arrays, generic arguments, by-ref).</summary>
    private static IEnumerable<Type> Flatten(Type t)
    {
        if (t.HasElementType) return Flatten(t.GetElementType()!);
        if (t.IsGenericType) return t.GetGenericArguments().SelectMany(Flatten).Append(t.GetGenericTypeDefinition());
        return [t];
    }
}
