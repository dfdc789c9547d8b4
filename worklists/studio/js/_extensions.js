// Reading and writing the spiffworkflow extension elements the engine reads
// (docs/guia-analista.md 3.2): every write is one command on the modeler's stack, so undo works.

const MULTI = 'properties-panel.multi-command-executor';

export function extensionsOf(bo) {
  const ext = bo && bo.get('extensionElements');
  return (ext && ext.get('values')) || [];
}

export function firstExtension(bo, type) {
  return extensionsOf(bo).find((value) => value.$instanceOf(type));
}

// The commands that replace the extension values of `bo` by `values` (creating
// bpmn:ExtensionElements when needed, dropping it when it ends up empty).
function replaceValues(element, bo, values, bpmnFactory) {
  let ext = bo.get('extensionElements');
  if (!ext) {
    if (!values.length) {
      return [];
    }
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values });
    values.forEach((value) => { value.$parent = ext; });
    ext.$parent = bo;
    return [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: bo, properties: { extensionElements: ext } } }];
  }
  values.forEach((value) => { value.$parent = ext; });
  return [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: ext, properties: { values } } }];
}

export function execute(commandStack, commands) {
  if (commands.length) {
    commandStack.execute(MULTI, commands);
  }
}

// A body-only extension (instructionsForEndUser, preScript, calledDecisionId…): set, or drop when empty.
export function setBodyExtension(injector, element, bo, type, value) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commandStack = injector.get('commandStack');
  const current = firstExtension(bo, type);
  const text = value == null ? '' : String(value);
  if (current && text) {
    execute(commandStack, [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: current, properties: { value: text } } }]);
    return;
  }
  const others = extensionsOf(bo).filter((v) => v !== current);
  if (!text) {
    execute(commandStack, replaceValues(element, bo, others, bpmnFactory));
    return;
  }
  const created = bpmnFactory.create(type, { value: text });
  execute(commandStack, replaceValues(element, bo, [...others, created], bpmnFactory));
}

export function getBodyExtension(bo, type) {
  const current = firstExtension(bo, type);
  return (current && current.get('value')) || '';
}

// <spiffworkflow:properties><spiffworkflow:property name= value=/></spiffworkflow:properties>
export function getProperty(bo, name) {
  const properties = firstExtension(bo, 'spiffworkflow:Properties');
  const property = properties && (properties.get('properties') || []).find((p) => p.get('name') === name);
  return (property && property.get('value')) || '';
}

export function setProperty(injector, element, bo, name, value) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commandStack = injector.get('commandStack');
  const text = value == null ? '' : String(value).trim();
  let properties = firstExtension(bo, 'spiffworkflow:Properties');
  const list = properties ? [...(properties.get('properties') || [])] : [];
  const existing = list.find((p) => p.get('name') === name);
  if (existing && text) {
    execute(commandStack, [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: existing, properties: { value: text } } }]);
    return;
  }
  const kept = list.filter((p) => p !== existing);
  if (text) {
    const created = bpmnFactory.create('spiffworkflow:Property', { name, value: text });
    kept.push(created);
  }
  const others = extensionsOf(bo).filter((v) => v !== properties);
  if (!kept.length) {
    execute(commandStack, replaceValues(element, bo, others, bpmnFactory));
    return;
  }
  if (!properties) {
    properties = bpmnFactory.create('spiffworkflow:Properties', { properties: kept });
    kept.forEach((p) => { p.$parent = properties; });
    execute(commandStack, replaceValues(element, bo, [properties, ...others], bpmnFactory));
    return;
  }
  kept.forEach((p) => { p.$parent = properties; });
  execute(commandStack, [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: properties, properties: { properties: kept } } }]);
}

// <spiffworkflow:serviceTaskOperator id= resultVariable=><spiffworkflow:parameters>…
export function getOperator(bo) {
  const operator = firstExtension(bo, 'spiffworkflow:ServiceTaskOperator');
  if (!operator) {
    return { id: '', resultVariable: '', parameters: [] };
  }
  const list = operator.get('parameterList');
  return {
    id: operator.get('id') || '',
    resultVariable: operator.get('resultVariable') || '',
    parameters: ((list && list.get('parameters')) || []).map((p) => ({
      id: p.get('id') || '', type: p.get('type') || 'any', value: p.get('value') || '',
    })),
  };
}

// Write the whole operator: {id, resultVariable, parameters: [{id, type, value}]}; no id drops it.
export function setOperator(injector, element, bo, operator) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commandStack = injector.get('commandStack');
  const current = firstExtension(bo, 'spiffworkflow:ServiceTaskOperator');
  const others = extensionsOf(bo).filter((v) => v !== current);
  if (!operator.id) {
    execute(commandStack, replaceValues(element, bo, others, bpmnFactory));
    return;
  }
  const parameters = operator.parameters
    .filter((p) => p.id && p.value !== '')
    .map((p) => bpmnFactory.create('spiffworkflow:Parameter', { id: p.id, type: p.type || 'any', value: p.value }));
  const attrs = { id: operator.id };
  if (operator.resultVariable) {
    attrs.resultVariable = operator.resultVariable;
  }
  const created = bpmnFactory.create('spiffworkflow:ServiceTaskOperator', attrs);
  const list = bpmnFactory.create('spiffworkflow:Parameters', { parameters });
  parameters.forEach((p) => { p.$parent = list; });
  list.$parent = created;
  created.set('parameterList', list);
  const values = current ? extensionsOf(bo).map((v) => (v === current ? created : v)) : [...others, created];
  execute(commandStack, replaceValues(element, bo, values, bpmnFactory));
}

// <spiffworkflow:processVariableCorrelation><propertyId/><expression/></…> on a message definition
export function getVariableCorrelation(bo) {
  const found = firstExtension(bo, 'spiffworkflow:ProcessVariableCorrelation');
  return { propertyId: (found && found.get('propertyId')) || '', expression: (found && found.get('expression')) || '' };
}

export function setVariableCorrelation(injector, element, bo, correlation) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commandStack = injector.get('commandStack');
  const current = firstExtension(bo, 'spiffworkflow:ProcessVariableCorrelation');
  const others = extensionsOf(bo).filter((v) => v !== current);
  if (!correlation.propertyId && !correlation.expression) {
    execute(commandStack, replaceValues(element, bo, others, bpmnFactory));
    return;
  }
  const created = bpmnFactory.create('spiffworkflow:ProcessVariableCorrelation', {
    propertyId: correlation.propertyId, expression: correlation.expression,
  });
  const values = current ? extensionsOf(bo).map((v) => (v === current ? created : v)) : [...others, created];
  execute(commandStack, replaceValues(element, bo, values, bpmnFactory));
}

// An attributes-only extension (<spiffworkflow:retry retries= backoff_base=/>): set, or drop when every attribute is empty.
export function getAttrs(bo, type, names) {
  const current = firstExtension(bo, type);
  return Object.fromEntries(names.map((name) => [name, (current && current.get(name)) || '']));
}

export function setAttrs(injector, element, bo, type, attrs) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commandStack = injector.get('commandStack');
  const current = firstExtension(bo, type);
  const kept = Object.fromEntries(Object.entries(attrs).filter(([, value]) => value !== '' && value != null));
  const others = extensionsOf(bo).filter((v) => v !== current);
  if (!Object.keys(kept).length) {
    execute(commandStack, replaceValues(element, bo, others, bpmnFactory));
    return;
  }
  const created = bpmnFactory.create(type, kept);
  const values = current ? extensionsOf(bo).map((v) => (v === current ? created : v)) : [...others, created];
  execute(commandStack, replaceValues(element, bo, values, bpmnFactory));
}
