// A message's correlation in plain BPMN (docs/guia-analista.md 3.4): a bpmn:correlationProperty
// whose correlationPropertyRetrievalExpression for that message names the case variable, and a
// correlationKey of the collaboration (when there is one) that refers to the property.

function definitionsOf(moddleElement) {
  let current = moddleElement;
  while (current && !current.$instanceOf('bpmn:Definitions')) {
    current = current.$parent;
  }
  return current;
}

function retrievalFor(property, message) {
  return (property.get('correlationPropertyRetrievalExpression') || []).find((r) => r.get('messageRef') === message);
}

export function getCorrelation(holder) {
  const message = holder && holder.get('messageRef');
  const definitions = message && definitionsOf(message);
  if (!definitions) {
    return { property: '', expression: '' };
  }
  for (const root of definitions.get('rootElements')) {
    if (root.$instanceOf('bpmn:CorrelationProperty')) {
      const retrieval = retrievalFor(root, message);
      if (retrieval) {
        const formal = retrieval.get('messagePath');
        return { property: root.get('id'), expression: (formal && formal.get('body')) || '' };
      }
    }
  }
  return { property: '', expression: '' };
}

export function setCorrelation(injector, element, holder, wanted) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commandStack = injector.get('commandStack');
  const message = holder.get('messageRef');
  const definitions = message && definitionsOf(message);
  if (!definitions || !wanted.property) {
    return;
  }
  const commands = [];
  const update = (moddleElement, properties) => commands.push({
    cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties },
  });
  const roots = definitions.get('rootElements');
  // The property this message used before, when it changes to another one: drop its retrieval.
  for (const root of roots) {
    if (root.$instanceOf('bpmn:CorrelationProperty') && root.get('id') !== wanted.property) {
      const old = retrievalFor(root, message);
      if (old) {
        update(root, { correlationPropertyRetrievalExpression: root.get('correlationPropertyRetrievalExpression').filter((r) => r !== old) });
      }
    }
  }
  let property = roots.find((r) => r.$instanceOf('bpmn:CorrelationProperty') && r.get('id') === wanted.property);
  const formal = bpmnFactory.create('bpmn:FormalExpression', { body: wanted.expression || '' });
  if (!property) {
    property = bpmnFactory.create('bpmn:CorrelationProperty', { id: wanted.property, name: wanted.property });
    property.$parent = definitions;
    const retrieval = bpmnFactory.create('bpmn:CorrelationPropertyRetrievalExpression', { messageRef: message, messagePath: formal });
    formal.$parent = retrieval;
    retrieval.$parent = property;
    property.set('correlationPropertyRetrievalExpression', [retrieval]);
    update(definitions, { rootElements: [...roots, property] });
  } else {
    const retrieval = retrievalFor(property, message);
    if (retrieval) {
      formal.$parent = retrieval;
      update(retrieval, { messagePath: formal });
    } else {
      const created = bpmnFactory.create('bpmn:CorrelationPropertyRetrievalExpression', { messageRef: message, messagePath: formal });
      formal.$parent = created;
      created.$parent = property;
      update(property, { correlationPropertyRetrievalExpression: [...property.get('correlationPropertyRetrievalExpression'), created] });
    }
  }
  const collaboration = roots.find((r) => r.$instanceOf('bpmn:Collaboration'));
  if (collaboration) {
    const keys = collaboration.get('correlationKeys') || [];
    if (!keys.some((k) => (k.get('correlationPropertyRef') || []).includes(property))) {
      const key = bpmnFactory.create('bpmn:CorrelationKey', { name: `clave_${wanted.property}`, correlationPropertyRef: [property] });
      key.$parent = collaboration;
      update(collaboration, { correlationKeys: [...keys, key] });
    }
  }
  if (commands.length) {
    commandStack.execute('properties-panel.multi-command-executor', commands);
  }
}
