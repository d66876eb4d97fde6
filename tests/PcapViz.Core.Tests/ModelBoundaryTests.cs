using System.Reflection;

namespace PcapViz.Tests;

/// <summary>
/// docs/architecture.md: the result model depends on nothing else in Core. Every type of <c>PcapViz.Model</c> names in
/// its fields, properties, constructors and methods only types of the model itself, of the BCL, or of
/// <c>PcapViz.Protocols</c> (the model's values are parsed there): no context data (Public Suffix List, GeoIP), no
/// analysis state, no orchestration.
/// </summary>
public sealed class ModelBoundaryTests
{
    [Fact]
    public void ModelTypes_NameOnlyModelBclOrProtocolsTypes()
    {
        var core = typeof(PcapViz.Model.RunResult).Assembly;
        var model = core.GetTypes().Where(t => t.Namespace == "PcapViz.Model").ToList();
        Assert.True(model.Count > 30, $"only {model.Count} model types found");
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var offending = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in model)
        {
            var named = new List<Type>();
            named.AddRange(type.GetFields(all).Select(f => f.FieldType));
            named.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                named.AddRange(method.GetParameters().Select(p => p.ParameterType));
                if (method is MethodInfo m) named.Add(m.ReturnType);
            }
            foreach (var t in named.SelectMany(Flatten))
                if (t.Namespace is { } ns && ns.StartsWith("PcapViz", StringComparison.Ordinal) && ns != "PcapViz.Model" && !ns.StartsWith("PcapViz.Protocols", StringComparison.Ordinal))
                    offending.Add($"{type.FullName} names {t.FullName}");
        }
        Assert.True(offending.Count == 0, string.Join('\n', offending));
    }

    /// <summary>A type and the types it is made of (arrays, generic arguments, by-ref).</summary>
    private static IEnumerable<Type> Flatten(Type t)
    {
        if (t.HasElementType) return Flatten(t.GetElementType()!);
        if (t.IsGenericType) return t.GetGenericArguments().SelectMany(Flatten).Append(t.GetGenericTypeDefinition());
        return [t];
    }
}
