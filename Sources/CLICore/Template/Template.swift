import JSON

/// A parsed Go text/template with the docker CLI's functions (json, split, join, title,
/// lower, upper, pad, truncate) next to Go's builtins.
struct Template {
    let source: String
    let nodes: [TemplateNode]
    /// Table headers are rendered with functions that pass their first argument through.
    var headerMode = false
    /// Go's `missingkey=error`, which docker's inspect uses on the raw JSON.
    var missingKeyError = false
    /// The name errors show (`template: version:1:9: executing "version" ...`); docker's are mostly "".
    var name = ""

    init(_ source: String) throws(TemplateError) {
        self.source = source
        nodes = try TemplateParser.parse(source, functions: Set(TemplateFunctions.names))
    }

    func execute(_ dot: TValue) throws(TemplateError) -> String {
        let (out, error) = executePartially(dot)
        if let error { throw error }
        return out
    }

    /// What Go's Execute has written by the time it fails, and the failure.
    func executePartially(_ dot: TValue) -> (String, TemplateError?) {
        var ex = Executor(template: self)
        ex.vars = [("", dot)]
        do {
            try ex.walk(nodes, dot)
        } catch let e as TemplateError {
            return (ex.out, e)
        } catch {
            return (ex.out, TemplateError("template: \(name):1:0: executing \"\(name)\" : \(error)"))
        }
        return (ex.out, nil)
    }
}

private enum Control: Error { case breakLoop, continueLoop }

struct Executor {
    let template: Template
    var out = ""
    var vars: [(String, TValue)] = []

    init(template: Template) { self.template = template }

    /// `template: :1:2: executing "" at <.Foo>: ...`: Go's location and context.
    func fail(_ pos: Int, _ context: String, _ message: String) -> TemplateError {
        let u = Array(template.source.utf8)
        let p = min(pos, u.count)
        let line = 1 + u[..<p].filter { $0 == 10 }.count
        let col = (u[..<p].lastIndex(of: 10)).map { p - $0 - 1 } ?? p
        let name = template.name
        return TemplateError("template: \(name):\(line):\(col): executing \"\(name)\" at <\(context)>: \(message)")
    }

    mutating func walk(_ nodes: [TemplateNode], _ dot: TValue) throws {
        for n in nodes {
            switch n {
            case .text(let s):
                out += s
            case .action(let pipe):
                let v = try evalPipeline(pipe, dot)
                if pipe.declare.isEmpty { out += goPrint(v) }
            case .ifNode(let pipe, let body, let elseBody):
                let mark = vars.count
                let v = try evalPipeline(pipe, dot)
                if v.isTrue { try walk(body, dot) } else if let e = elseBody { try walk(e, dot) }
                vars.removeLast(vars.count - mark)
            case .withNode(let pipe, let body, let elseBody):
                let mark = vars.count
                let v = try evalPipeline(pipe, dot)
                if v.isTrue { try walk(body, v) } else if let e = elseBody { try walk(e, dot) }
                vars.removeLast(vars.count - mark)
            case .rangeNode(let pipe, let body, let elseBody):
                try walkRange(pipe, body, elseBody, dot)
            case .breakNode: throw Control.breakLoop
            case .continueNode: throw Control.continueLoop
            }
        }
    }

    private mutating func walkRange(_ pipe: Pipeline, _ body: [TemplateNode], _ elseBody: [TemplateNode]?, _ dot: TValue) throws {
        let mark = vars.count
        defer { vars.removeLast(vars.count - mark) }
        // The declared names are bound per element, not to the pipeline's value.
        var inner = pipe
        inner.declare = []
        let v = try evalPipeline(inner, dot)
        var items: [(key: TValue, value: TValue)]
        if let e = v.elements {
            items = e
        } else if case .int(let n) = v.normalized {
            items = (0..<max(0, n)).map { (.int($0), .int($0)) }
        } else if case .missing = v {
            items = []
        } else if case .null = v {
            items = []
        } else {
            throw fail(pipe.pos, "range", "range can't iterate over \(goPrint(v))")
        }
        if items.isEmpty {
            if let e = elseBody { try walk(e, dot) }
            return
        }
        for (k, val) in items {
            let inner = vars.count
            if pipe.declare.count == 1 { vars.append((pipe.declare[0], val)) }
            if pipe.declare.count >= 2 { vars.append((pipe.declare[0], k)); vars.append((pipe.declare[1], val)) }
            do {
                try walk(body, val)
            } catch Control.breakLoop {
                vars.removeLast(vars.count - inner)
                break
            } catch Control.continueLoop {}
            vars.removeLast(vars.count - inner)
        }
    }

    mutating func evalPipeline(_ pipe: Pipeline, _ dot: TValue) throws -> TValue {
        var value: TValue? = nil
        for cmd in pipe.commands {
            value = try evalCommand(cmd, dot, final: value)
        }
        let v = value ?? .missing
        if !pipe.declare.isEmpty {
            let name = pipe.declare[0]
            if pipe.isAssign {
                guard let i = vars.lastIndex(where: { $0.0 == name }) else {
                    throw fail(pipe.pos, "$" + name, "undefined variable: $\(name)")
                }
                vars[i].1 = v
            } else {
                vars.append((name, v))
            }
        }
        return v
    }

    private mutating func evalCommand(_ cmd: CommandNode, _ dot: TValue, final: TValue?) throws -> TValue {
        guard let first = cmd.args.first else { return .missing }
        let rest = Array(cmd.args.dropFirst())
        switch first {
        case .function(let name, let pos):
            if name == "and" || name == "or" { return try evalAndOr(name, rest, dot, final, pos) }
            var args: [TValue] = []
            for a in rest { args.append(try evalArg(a, dot)) }
            if let final { args.append(final) }
            do {
                return try TemplateFunctions.call(name, args, header: template.headerMode)
            } catch {
                let context = ([name] + rest.map(\.fieldDescription)).joined(separator: " ")
                throw fail(pos, context, "error calling \(name): \(error.description)")
            }
        case .field(let names, let pos):
            var args: [TValue] = []
            for a in rest { args.append(try evalArg(a, dot)) }
            if let final { args.append(final) }
            return try fieldChain(dot, names, args: args, pos: pos, context: first.fieldDescription)
        case .variable(let name, let names, let pos):
            var args: [TValue] = []
            for a in rest { args.append(try evalArg(a, dot)) }
            if let final { args.append(final) }
            let base = try lookupVariable(name, pos)
            return try fieldChain(base, names, args: args, pos: pos, context: first.fieldDescription)
        case .pipeline(let pl, let names):
            let base = try evalPipeline(pl, dot)
            var args: [TValue] = []
            for a in rest { args.append(try evalArg(a, dot)) }
            if let final { args.append(final) }
            return try fieldChain(base, names, args: args, pos: pl.pos, context: first.fieldDescription)
        default:
            if !rest.isEmpty || final != nil {
                throw fail(cmd.pos, first.fieldDescription, "can't give argument to non-function \(first.fieldDescription)")
            }
            return try evalArg(first, dot)
        }
    }

    private mutating func evalAndOr(_ name: String, _ rest: [ArgNode], _ dot: TValue, _ final: TValue?, _ pos: Int) throws -> TValue {
        if rest.isEmpty && final == nil { throw fail(pos, name, "wrong number of args for \(name): want at least 1 got 0") }
        var last: TValue = .missing
        var all: [ArgNode?] = rest.map { $0 }
        if final != nil { all.append(nil) }
        for a in all {
            last = try a.map { try evalArg($0, dot) } ?? (final ?? .missing)
            if name == "and" && !last.isTrue { return last }
            if name == "or" && last.isTrue { return last }
        }
        return last
    }

    private func lookupVariable(_ name: String, _ pos: Int) throws -> TValue {
        guard let v = vars.last(where: { $0.0 == name }) else {
            throw fail(pos, "$" + name, "undefined variable: $\(name)")
        }
        return v.1
    }

    private mutating func evalArg(_ a: ArgNode, _ dot: TValue) throws -> TValue {
        switch a {
        case .field(let names, let pos): return try fieldChain(dot, names, args: [], pos: pos, context: a.fieldDescription)
        case .variable(let name, let names, let pos):
            return try fieldChain(try lookupVariable(name, pos), names, args: [], pos: pos, context: a.fieldDescription)
        case .pipeline(let pl, let names):
            return try fieldChain(try evalPipeline(pl, dot), names, args: [], pos: pl.pos, context: a.fieldDescription)
        case .function(let name, let pos):
            // A function as an argument is called without arguments.
            do { return try TemplateFunctions.call(name, [], header: template.headerMode) } catch {
                throw fail(pos, name, "error calling \(name): \(error.description)")
            }
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .nilValue: return .null
        case .number(let n, let pos):
            if let i = Int(n) { return .int(i) }
            if n.hasPrefix("0x") || n.hasPrefix("0X"), let i = Int(n.dropFirst(2), radix: 16) { return .int(i) }
            if let d = Double(n) { return .double(d) }
            throw fail(pos, n, "illegal number syntax: \(n)")
        }
    }

    /// `.A.B.C` from `base`; args go to the last element (a method such as `.Label "k"`).
    private func fieldChain(_ base: TValue, _ names: [String], args: [TValue], pos: Int, context: String) throws -> TValue {
        var v = base
        for (i, name) in names.enumerated() {
            let isLast = i == names.count - 1
            v = try field(v, name, args: isLast ? args : [], pos: pos, context: context)
        }
        if names.isEmpty && !args.isEmpty {
            throw fail(pos, context, "can't give argument to non-function \(context)")
        }
        return v
    }

    private func field(_ v: TValue, _ name: String, args: [TValue], pos: Int, context: String) throws -> TValue {
        switch v {
        case .missing:
            return .missing
        case .json(.object(let o)):
            if !args.isEmpty { throw fail(pos, context, "\(name) is not a method but has arguments") }
            guard let child = o[name] else {
                if template.missingKeyError { throw fail(pos, context, "map has no entry for key \"\(name)\"") }
                return .missing
            }
            if case .null = child {
                if goSliceFields.contains(name) { return .list([]) }
                if goMapFields.contains(name) { return .json(.object(JSONObject())) }
            }
            return TValue.from(child)
        case .object(let obj):
            do {
                if let r = try obj.field(name, args: args) { return r }
            } catch {
                throw fail(pos, context, error.description)
            }
            if let m = obj.mapEntries {
                return m.first { $0.0 == name }?.1 ?? .missing
            }
            throw fail(pos, context, "can't evaluate field \(name) in type \(obj.typeName)")
        case .null:
            throw fail(pos, context, "nil pointer evaluating interface {}.\(name)")
        default:
            throw fail(pos, context, "can't evaluate field \(name) in type \(v.typeName)")
        }
    }
}
